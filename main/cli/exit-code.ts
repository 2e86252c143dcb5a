/**
 * Ends a command line run with the exit code its main() resolves with; when main() throws, with 1 and
 * `<name>: <message>` on stderr. Sets process.exitCode (no process.exit) so pending output is written.
 */
export function exitWithResult(name: string, main: Promise<number>): void {
  main.then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
