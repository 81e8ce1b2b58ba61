/**
 * Exit codes of `graft`, stable for scripts and CI pipelines (documented in `graft --help` and
 * the README).
 */
export const ExitCode = {
  /** The command did what it was asked. */
  OK: 0,
  /** The server answered with an internal error, or could not be reached. */
  SERVER: 1,
  /** The command line is wrong: unknown command or option, missing argument. */
  USAGE: 2,
  /** The server (or the CLI, for a spec file) refused the input: BAD_USER_INPUT. */
  VALIDATION: 3,
  /** A named or identified object does not exist: NOT_FOUND. */
  NOT_FOUND: 4,
  /** No API key, or an invalid or revoked one: UNAUTHENTICATED. */
  UNAUTHENTICATED: 5,
  /** The API key's role does not allow the operation: FORBIDDEN. */
  FORBIDDEN: 6,
  /** `graft run watch`: the run ended failed or cancelled. */
  RUN_FAILED: 7,
  /** The operation clashes with the current state (a taken name): CONFLICT. */
  CONFLICT: 8,
  /** Interrupted (Ctrl-C). */
  INTERRUPTED: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** One invalid field of an input, addressed by its path (`train.fineTune.learningRate`). */
export interface FieldError {
  path: string;
  message: string;
}

/** An error that ends the command with a message on stderr and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly fieldErrors: FieldError[] = [],
    /** Extra lines printed after the message (a usage hint). */
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The command line is wrong. */
export function usageError(message: string, hint?: string): CliError {
  return new CliError(message, ExitCode.USAGE, [], hint);
}

/** Something named does not exist. */
export function notFound(message: string): CliError {
  return new CliError(message, ExitCode.NOT_FOUND);
}

/** The exit code of a GraphQL error code (`extensions.code`). */
export function exitCodeOf(code: unknown): ExitCode {
  switch (code) {
    case 'BAD_USER_INPUT':
      return ExitCode.VALIDATION;
    case 'NOT_FOUND':
      return ExitCode.NOT_FOUND;
    case 'UNAUTHENTICATED':
      return ExitCode.UNAUTHENTICATED;
    case 'FORBIDDEN':
      return ExitCode.FORBIDDEN;
    case 'CONFLICT':
      return ExitCode.CONFLICT;
    default:
      return ExitCode.SERVER;
  }
}
