/** `--data-dir <dir>` or `--data-dir=<dir>` on the command line (the last one wins); Chromium's own switches are ignored. */
export function parseDataDirArg(argv: readonly string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') break;
    if (arg === '--data-dir') {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        found = next;
        i++;
      }
    } else if (arg?.startsWith('--data-dir=')) {
      found = arg.slice('--data-dir='.length);
    }
  }
  return found;
}
