#!/usr/bin/env node
/* global document */
/**
 * `npm run bench -w @graft/console` (after `npm run build`): page times in Debian's Chromium
 * with 10,000 runs x 50 epochs seeded (Postgres at TEST_DATABASE_URL / 127.0.0.1:5432 when it
 * answers, else PGlite), plus 4 runs of 200 epochs for the comparison.
 *
 * - runs-page: navigation to /runs until the first row of the runs table is visible;
 * - compare-4x200: navigation to /compare?ids=<4 runs of 200 epochs> until their curves are drawn.
 * One JSON line per measurement on stdout: {"bench":..,"ms":..} (median of BENCH_REPEATS, 7,
 * after one warm-up; min/max/samples alongside); progress on stderr.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createServer, loadConfig } from '@graft/api';

const here = path.dirname(fileURLToPath(import.meta.url));
const consoleDir = path.resolve(here, '..');
const apiDist = path.resolve(consoleDir, '../api/dist');
const { seed } = await import(path.join(apiDist, 'bench/seed.js'));
const { createTempPostgresDatabase } = await import(path.join(apiDist, 'testing/postgres.js'));
const { createTempDir } = await import(path.join(apiDist, 'testing/tempDir.js'));
const { readFile } = await import('node:fs/promises');

const RUNS = Number(process.env.BENCH_RUNS ?? 10_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 7);
const log = (m) => process.stderr.write(`[bench] ${m}\n`);
const emit = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const machine = () => ({
  date: new Date().toISOString(),
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model.trim(),
  node: process.version,
});

async function postgresUrl() {
  try {
    return await createTempPostgresDatabase('graft_console_bench');
  } catch (err) {
    log(`no Postgres (${err.message}); using PGlite`);
    return undefined;
  }
}

async function waitHttp(url, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { redirect: 'manual' });
      if (res.status < 500) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer`);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  const dir = await createTempDir('graft-console-bench-');
  const pgDb = await postgresUrl();
  const server = await createServer({
    config: loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      GRAFT_DATA_DIR: dir.path,
      LOG_LEVEL: 'silent',
      ...(pgDb ? { DATABASE_URL: pgDb.url } : {}),
    }),
    worker: false,
  });
  let next;
  let browser;
  try {
    await server.listen();
    const db = pgDb ? 'postgres' : 'pglite';
    const seeded = await seed(
      server.database.pool,
      { runs: RUNS, epochsPerRun: 50, chunk: 1000, budgetSeconds: Infinity },
      (m) => log(m),
    );
    // Four runs with 200 epochs each: epochs 51..200 copied from their first 50.
    const compareIds = seeded.runIds.slice(200, 204);
    for (let k = 1; k < 4; k++) {
      await server.database.pool.query(
        `insert into run_epochs (run_id, phase, phase_index, epoch, loss, accuracy, val_loss, val_accuracy, seconds)
         select run_id, phase, phase_index, epoch + $2, loss * 0.98, accuracy, val_loss * 0.98, val_accuracy, seconds
         from run_epochs where run_id = any($1::uuid[]) and epoch <= 50`,
        [compareIds, 50 * k],
      );
    }
    emit({ bench: 'seed', db, runs: seeded.runIds.length, seconds: seeded.seconds, ...machine() });
    const key = (await readFile(path.join(dir.path, 'maintainer.key'), 'utf8')).trim();

    const port = 3900 + Math.floor(Math.random() * 90);
    const consoleUrl = `http://127.0.0.1:${port}`;
    next = spawn(
      process.execPath,
      [
        path.resolve(consoleDir, '../../node_modules/next/dist/bin/next'),
        'start',
        '-p',
        String(port),
        '-H',
        '127.0.0.1',
      ],
      {
        cwd: consoleDir,
        env: { ...process.env, GRAFT_API_URL: server.url, NEXT_TELEMETRY_DISABLED: '1' },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    await waitHttp(`${consoleUrl}/sign-in`);
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.addCookies([{ name: 'graft_key', value: key, url: consoleUrl, httpOnly: true }]);
    const page = await context.newPage();

    const cases = [
      {
        bench: 'runs-page',
        url: `${consoleUrl}/runs`,
        ready: '[data-testid="run-row"]',
        count: 1,
        target: 1000,
      },
      {
        bench: 'compare-4x200',
        url: `${consoleUrl}/compare?ids=${compareIds.join(',')}`,
        ready: '[data-testid="compare-curves"] .recharts-line-curve',
        count: 4,
        target: 1000,
      },
    ];
    for (const c of cases) {
      const samples = [];
      for (let i = 0; i <= REPEATS; i++) {
        const t0 = performance.now();
        await page.goto(c.url, { waitUntil: 'commit' });
        await page.waitForFunction(
          ({ sel, n }) => {
            const els = document.querySelectorAll(sel);
            return els.length >= n && [...els].every((e) => e.getBoundingClientRect().width > 0);
          },
          { sel: c.ready, n: c.count },
          { timeout: 30_000, polling: 'raf' },
        );
        const ms = performance.now() - t0;
        if (i > 0) samples.push(Math.round(ms)); // the first visit warms Next's and the API's caches
      }
      const ms = median(samples);
      emit({
        bench: c.bench,
        db,
        ms,
        minMs: Math.min(...samples),
        maxMs: Math.max(...samples),
        samples,
        targetMs: c.target,
        runs: seeded.runIds.length,
        ...machine(),
      });
      log(`${c.bench}: median ${ms} ms (target < ${c.target} ms)`);
    }
  } finally {
    await browser?.close();
    next?.kill('SIGTERM');
    await server.close();
    await pgDb?.drop();
    await dir.remove();
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
