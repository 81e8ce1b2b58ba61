import { parseArgs, type ParseArgsConfig } from 'node:util';
import { GraftClient } from './client.js';
import { resolveCredentials } from './config.js';
import { usageError } from './errors.js';
import { useColor } from './format.js';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

/** What a command runs with. */
export interface Context {
  env: NodeJS.ProcessEnv;
  /** Colours on stdout. */
  color: boolean;
  /** A client with the stored or environment credentials (exit 5 when there are none). */
  client(): Promise<GraftClient>;
}

/** One `graft` command. */
export interface Command {
  /** `runs ls`, `layers`... */
  name: string;
  /** One line for `graft --help`. */
  summary: string;
  /** `graft runs ls [options]` */
  usage: string;
  /** The body of `graft <command> --help` after the usage line. */
  help: string;
  options: Options;
  /** Whether `--json` (print the raw JSON data) applies. */
  json: boolean;
  positionals: { min: number; max: number; names: string };
  run(ctx: Context, values: Values, positionals: string[]): Promise<number | void>;
}

export function defineCommand(command: Command): Command {
  return command;
}

/** Parses a command's arguments; any mistake is a usage error (exit 2) with the usage line. */
export function parseCommandArgs(
  command: Command,
  args: string[],
): { values: Values; positionals: string[]; help: boolean } {
  const options: Options = {
    ...command.options,
    help: { type: 'boolean', short: 'h' },
    ...(command.json ? { json: { type: 'boolean' } } : {}),
  };
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (error) {
    throw usageError(
      (error as Error).message.replace(/\. To specify a positional argument.*$/s, ''),
      usageHint(command),
    );
  }
  const help = parsed.values['help'] === true;
  if (!help) {
    const n = parsed.positionals.length;
    const { min, max, names } = command.positionals;
    if (n < min) throw usageError(`missing ${names}`, usageHint(command));
    if (n > max) {
      throw usageError(`unexpected argument '${parsed.positionals[max]}'`, usageHint(command));
    }
  }
  return { ...parsed, help };
}

export function usageHint(command: Command): string {
  return `usage: ${command.usage}\nrun \`graft ${command.name} --help\` for details`;
}

/** The full `--help` text of a command. */
export function commandHelp(command: Command): string {
  const json = command.json ? '\n  --json           print the raw JSON data of the answer' : '';
  return `usage: ${command.usage}\n\n${command.summary}\n\n${command.help.trimEnd()}${json}\n  -h, --help       show this help\n`;
}

/** The default context: process env, colours on a TTY stdout, lazily resolved credentials. */
export function defaultContext(env: NodeJS.ProcessEnv = process.env): Context {
  let client: Promise<GraftClient> | undefined;
  return {
    env,
    color: useColor(process.stdout),
    client: () => (client ??= resolveCredentials(env).then((c) => new GraftClient(c))),
  };
}

/** A string option's value (parseArgs types are wide). */
export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A positive integer option, or a usage error. */
export function positiveInt(
  values: Values,
  name: string,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) {
    throw usageError(`--${name} must be an integer from 1 to ${max} (got '${v}')`);
  }
  return Number(v);
}

/** Whether the string is a UUID (the API's ids). */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
