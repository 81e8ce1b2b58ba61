import type { LogLevel } from './env.js';

/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** Minimal structured logger: one JSON object per line on stderr. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

const SEVERITY: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/** Errors do not serialise with JSON.stringify; keep their name, message, code and stack. */
function serialisable(value: unknown): unknown {
  if (value instanceof Error) {
    const { code } = value as Error & { code?: unknown };
    return { name: value.name, message: value.message, code, stack: value.stack };
  }
  return value;
}

/**
 * Creates a logger writing lines at `level` and above.
 * @param write where lines go; default stderr (stdout stays free for a CLI's output).
 */
export function createLogger(
  level: LogLevel,
  bound: LogFields = {},
  write: (line: string) => void = (line) => process.stderr.write(line + '\n'),
): Logger {
  const threshold = SEVERITY[level];
  const log = (lineLevel: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields) => {
    if (SEVERITY[lineLevel] < threshold) return;
    const entry: LogFields = { time: new Date().toISOString(), level: lineLevel, msg: message };
    for (const [key, value] of Object.entries({ ...bound, ...fields }))
      entry[key] = serialisable(value);
    write(JSON.stringify(entry));
  };
  return {
    debug: (message, fields) => log('debug', message, fields),
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
    child: (fields) => createLogger(level, { ...bound, ...fields }, write),
  };
}
