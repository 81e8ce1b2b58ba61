import { readFileSync } from 'node:fs';
import {
  commandHelp,
  defaultContext,
  parseCommandArgs,
  type Command,
  type Context,
} from './command.js';
import { backbonesLs, layers } from './commands/backbones.js';
import { lineage } from './commands/lineage.js';
import { login } from './commands/login.js';
import { modelsLs, modelsPromote } from './commands/models.js';
import { runStart, runWatch } from './commands/run.js';
import { runsLs } from './commands/runs.js';
import { CliError, ExitCode, usageError } from './errors.js';
import { paint, useColor } from './format.js';

export const COMMANDS: Command[] = [
  login,
  backbonesLs,
  layers,
  runsLs,
  runStart,
  runWatch,
  modelsLs,
  modelsPromote,
  lineage,
];

/** Groups whose bare name runs a default sub-command (`graft runs` = `graft runs ls`). */
const GROUP_DEFAULTS: Record<string, string | undefined> = {
  backbones: 'ls',
  runs: 'ls',
  models: 'ls',
  run: undefined,
};

export const EXIT_CODES_HELP = `exit codes:
  0  ok
  1  server or network error (API unreachable, internal error)
  2  usage error (unknown command or option, missing argument)
  3  validation error (BAD_USER_INPUT; invalid spec file): one \`path: message\` line per field
  4  not found (unknown backbone, dataset, run, model, version or alias)
  5  unauthenticated (no key, invalid or revoked key; run \`graft login\`)
  6  forbidden (the key's role does not allow the operation)
  7  run failed or cancelled (\`graft run watch\`, \`graft run start --watch\`)
  8  conflict (CONFLICT: the operation clashes with the current state)`;

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function mainHelp(): string {
  const rows = COMMANDS.map((c) => `  ${c.name.padEnd(16)} ${c.summary}`);
  return `graft: the command line for the Graft registry (GraphQL API only)

usage: graft <command> [options]

commands:
${rows.join('\n')}

  graft <command> --help shows a command's options. --json on every read command prints the
  raw JSON data of the answer. \`graft runs\`, \`graft models\`, \`graft backbones\` are their \`ls\`.

configuration:
  graft login stores the API URL and key in $GRAFT_CONFIG, else ~/.config/graft/config.json
  (mode 0600). GRAFT_URL and GRAFT_KEY override them. NO_COLOR disables colours (there are
  none when stdout is not a terminal).

${EXIT_CODES_HELP}
`;
}

/** Finds the command named by the first words of argv; returns it and its own arguments. */
export function findCommand(argv: string[]): { command: Command; args: string[] } {
  const [first, second, ...rest] = argv;
  if (first === undefined)
    throw usageError('missing command', 'run `graft --help` for the commands');
  if (Object.hasOwn(GROUP_DEFAULTS, first)) {
    const explicit = second !== undefined && !second.startsWith('-');
    const sub = explicit ? second : GROUP_DEFAULTS[first];
    const command = sub ? COMMANDS.find((c) => c.name === `${first} ${sub}`) : undefined;
    if (!command) {
      const subs = COMMANDS.filter((c) => c.name.startsWith(`${first} `)).map((c) => c.name);
      if (!explicit && (second === '--help' || second === '-h')) {
        throw new HelpRequest(
          `usage:\n${subs.map((s) => `  graft ${s} ...`).join('\n')}\n\nrun \`graft ${subs[0]} --help\` for details\n`,
        );
      }
      throw usageError(
        sub
          ? `unknown command 'graft ${first} ${sub}'`
          : `missing sub-command for 'graft ${first}'`,
        `commands: ${subs.join(', ')}`,
      );
    }
    const args = explicit ? rest : argv.slice(1);
    return { command, args };
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command)
    throw usageError(`unknown command '${first}'`, 'run `graft --help` for the commands');
  return { command, args: argv.slice(1) };
}

/** `--help` of a group without a default sub-command. */
class HelpRequest extends Error {}

/** Runs graft with arguments (without `node main.js`); resolves with the exit code. */
export async function main(argv: string[], ctx: Context = defaultContext()): Promise<number> {
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      if (argv[0] === 'help' && argv.length > 1) {
        const { command } = findCommand(argv.slice(1));
        process.stdout.write(commandHelp(command));
        return ExitCode.OK;
      }
      process.stdout.write(mainHelp());
      return argv.length === 0 ? ExitCode.USAGE : ExitCode.OK;
    }
    if (argv[0] === '--version' || argv[0] === '-V') {
      process.stdout.write(`${version()}\n`);
      return ExitCode.OK;
    }
    const { command, args } = findCommand(argv);
    const { values, positionals, help } = parseCommandArgs(command, args);
    if (help) {
      process.stdout.write(commandHelp(command));
      return ExitCode.OK;
    }
    const code = await command.run(ctx, values, positionals);
    return code ?? ExitCode.OK;
  } catch (error) {
    if (error instanceof HelpRequest) {
      process.stdout.write(error.message);
      return ExitCode.OK;
    }
    return report(error);
  }
}

/** Prints an error on stderr (field errors one per line) and returns its exit code. */
export function report(error: unknown): number {
  const color = useColor(process.stderr);
  if (error instanceof CliError) {
    const lines = [`${paint('error:', 'red', color)} ${error.message}`];
    for (const f of error.fieldErrors) lines.push(`${f.path}: ${f.message}`);
    if (error.hint) lines.push(error.hint);
    process.stderr.write(lines.join('\n') + '\n');
    return error.exitCode;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`${paint('error:', 'red', color)} unexpected failure: ${message}\n`);
  return ExitCode.SERVER;
}
