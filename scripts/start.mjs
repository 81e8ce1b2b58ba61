#!/usr/bin/env node
/**
 * `npm start`: the API (embedded defaults unless DATABASE_URL / S3_* are set) and the console
 * beside it, as two processes whose output is prefixed; Ctrl-C stops both.
 * PORT (4000) is the API's, CONSOLE_PORT (3000) the console's.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const apiPort = process.env.PORT ?? '4000';
const consolePort = process.env.CONSOLE_PORT ?? '3000';
const host = process.env.HOST ?? '127.0.0.1';
const apiUrl = process.env.GRAFT_API_URL ?? `http://127.0.0.1:${apiPort}`;

const children = [];
function run(name, args, cwd, env) {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = (stream, out) => {
    let buf = '';
    stream.on('data', (chunk) => {
      buf += chunk;
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const line of lines) out.write(`${name} | ${line}\n`);
    });
  };
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    process.stderr.write(`${name} | exited (${signal ?? code})\n`);
    shutdown(code ?? 1);
  });
  children.push(child);
  return child;
}

let stopping = false;
function shutdown(code) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 1500).unref();
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

run('api', [path.join(root, 'apps/api/dist/cli.js'), 'serve'], root, { PORT: apiPort });
run(
  'console',
  [path.join(root, 'node_modules/next/dist/bin/next'), 'start', '-p', consolePort, '-H', host],
  path.join(root, 'apps/console'),
  { GRAFT_API_URL: apiUrl, NEXT_TELEMETRY_DISABLED: '1' },
);
process.stdout.write(
  `graft | console: http://${host}:${consolePort}  (sign in with the maintainer key the API prints)\n`,
);
