import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError, ExitCode } from './errors.js';

/** What `graft login` stores. */
export interface StoredConfig {
  url: string;
  key: string;
}

/** Where the API is and the key to call it with, after the environment overrides. */
export interface Credentials {
  url: string;
  key: string;
}

type Env = Record<string, string | undefined>;

/** `$GRAFT_CONFIG`, else `$XDG_CONFIG_HOME/graft/config.json`, else `~/.config/graft/config.json`. */
export function configPath(env: Env = process.env): string {
  if (env['GRAFT_CONFIG']) return env['GRAFT_CONFIG'];
  const base = env['XDG_CONFIG_HOME'] || join(homedir(), '.config');
  return join(base, 'graft', 'config.json');
}

/** The stored config, or null when there is none. */
export async function readConfig(env: Env = process.env): Promise<Partial<StoredConfig> | null> {
  const path = configPath(env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`, ExitCode.USAGE);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object') throw new Error('not a JSON object');
    const { url, key } = parsed as Record<string, unknown>;
    return {
      ...(typeof url === 'string' ? { url } : {}),
      ...(typeof key === 'string' ? { key } : {}),
    };
  } catch (error) {
    throw new CliError(
      `${path} is not a valid graft config (${(error as Error).message}); run \`graft login\` again`,
      ExitCode.USAGE,
    );
  }
}

/** Writes the config readable by its owner only (0600, folder 0700), atomically. */
export async function writeConfig(config: StoredConfig, env: Env = process.env): Promise<string> {
  const path = configPath(env);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  await chmod(temp, 0o600); // the umask may have narrowed it, never widened: make it exact
  await rename(temp, path);
  return path;
}

/** URL and key: `GRAFT_URL` / `GRAFT_KEY` override the stored config. */
export async function resolveCredentials(env: Env = process.env): Promise<Credentials> {
  const envUrl = env['GRAFT_URL'];
  const envKey = env['GRAFT_KEY'];
  const stored = envUrl && envKey ? null : await readConfig(env);
  const url = envUrl || stored?.url;
  const key = envKey || stored?.key;
  if (!url || !key) {
    throw new CliError(
      `not logged in: run \`graft login --url <api url> --key <key>\` or set GRAFT_URL and GRAFT_KEY`,
      ExitCode.UNAUTHENTICATED,
    );
  }
  return { url, key };
}

/** The GraphQL endpoint of an API URL (`http://host:4000` → `http://host:4000/graphql`). */
export function graphqlEndpoint(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith('/graphql') ? trimmed : `${trimmed}/graphql`;
}

/** Checks an API URL given on the command line and returns it normalised (no trailing slash). */
export function normaliseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`invalid URL '${url}' (expected http(s)://host[:port])`, ExitCode.USAGE);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CliError(`invalid URL '${url}': use http:// or https://`, ExitCode.USAGE);
  }
  return url.replace(/\/+$/, '');
}
