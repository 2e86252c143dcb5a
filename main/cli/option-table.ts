import { parseArgs } from 'node:util';

/**
 * A command line described by one table of options (kind, help line, default shown by --help), parsed
 * strictly against that table, so --help, parsing and the defaults cannot drift apart.
 */

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly help: string;
  /** What --help shows, and what `text` returns when the option is not given. */
  readonly default: string;
}

export interface ParsedOptions<Name extends string> {
  /** The value given for a string option, else the table's default. */
  text: (name: Name) => string;
  /** The value given for a string option, or undefined when it was not given. */
  given: (name: Name) => string | undefined;
  /** Whether a boolean option was given. */
  flag: (name: Name) => boolean;
}

/**
 * `--seed -1` becomes `--seed=-1` for options that take a value, so a negative number reaches the option's
 * own range check (which names the range) instead of node's "argument is ambiguous".
 */
export function attachNegativeValues(argv: readonly string[], valueOptions: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const next = argv[i + 1];
    if (arg.startsWith('--') && valueOptions.includes(arg.slice(2)) && next !== undefined && /^-(\d|\.\d|Infinity)/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/**
 * 'help' when --help is given, else the options' values. An unknown option, a missing value or a
 * positional argument becomes `usageError` with the first line of node's message.
 */
export function parseOptionTable<Name extends string>(
  argv: readonly string[],
  table: Readonly<Record<Name, OptionSpec>>,
  usageError: (message: string) => Error,
): ParsedOptions<Name> | 'help' {
  const specs: [string, OptionSpec][] = Object.entries(table);
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: attachNegativeValues(
        argv,
        specs.filter(([, o]) => o.type === 'string').map(([name]) => name),
      ),
      options: Object.fromEntries(specs.map(([name, o]) => [name, { type: o.type }])),
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw usageError(error instanceof Error ? (error.message.split('\n')[0] ?? 'invalid arguments') : 'invalid arguments');
  }
  if (values['help'] === true) return 'help';
  const given = (name: Name): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  return { given, text: (name) => given(name) ?? table[name].default, flag: (name) => values[name] === true };
}
