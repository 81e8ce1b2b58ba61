#!/usr/bin/env node
/* global document */
/**
 * `npm run bench -w @graft/console` (after `npm run build`): page times in Debian's Chromium
 * with BENCH_RUNS (10,000) runs x 50 epochs seeded (Postgres at TEST_DATABASE_URL /
 * 127.0.0.1:5432 when it answers, else PGlite), plus 4 runs of 200 epochs for the comparison.
 *
 * - runs-page: navigation to /runs until the first row of the runs table is visible;
 * - compare-4x200: navigation to /compare?ids=<4 runs of 200 epochs> until the comparison is
 *   fully drawn: both charts hold a train and a validation line per run (2 x 4 x 2 = 16 paths),
 *   every one laid out and with all of its run's epochs as points.
 *
 * Each page is measured cold first (its first visit since the console started, in a fresh
 * browser context: no HTTP cache, no compiled route in the server), then warm: BENCH_REPEATS
 * (7) more visits in one context, reported as their median with min/max/samples alongside.
 * One JSON line per measurement on stdout, `ms` on every timing; progress on stderr.
 * A quick smoke run: `BENCH_RUNS=300 BENCH_REPEATS=2 npm run bench -w @graft/console`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createServer, loadConfig } from '@graft/api';

const here = path.dirname(fileURLToPath(import.meta.url));
const consoleDir = path.resolve(here, '..');
// The bench seeder and the temp-Postgres helper are not in @graft/api's `exports` (only `.` is):
// reach them through wherever the package is installed rather than a `../api` path, until the
// API exports them (`./bench/seed` and `./testing/postgres`).
import { seed } from '@graft/api/bench/seed';
import { createTempPostgresDatabase } from '@graft/api/testing/postgres';

const RUNS = Number(process.env.BENCH_RUNS ?? 10_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 7);
const COMPARED = 4;
const COMPARE_EPOCHS = 200;
const SEED_EPOCHS = 50;
if (!(Number.isInteger(RUNS) && RUNS >= COMPARED))
  throw new Error(`BENCH_RUNS must be a whole number of at least ${COMPARED}`);
if (!(Number.isInteger(REPEATS) && REPEATS >= 1))
  throw new Error('BENCH_REPEATS must be a whole number of at least 1');

const log = (m) => process.stderr.write(`[bench] ${m}\n`);
const emit = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const machine = () => ({
  date: new Date().toISOString(),
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model.trim(),
  loadavg1m: Math.round(os.loadavg()[0] * 100) / 100,
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

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
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

/**
 * In the page: are there at least `count` elements matching `sel`, each laid out, whose paths
 * hold at least `points` points between them? (Recharts draws a linear line as `M x,y L x,y ...`.)
 */
function drawn({ sel, count, points }) {
  const els = [...document.querySelectorAll(sel)];
  if (els.length < count) return false;
  if (!els.every((e) => e.getBoundingClientRect().width > 0)) return false;
  const total = els.reduce((n, e) => n + (e.getAttribute('d')?.match(/[ML]/g)?.length ?? 0), 0);
  return total >= points;
}

/** Where a page load's time went, from the page's Navigation and Resource Timing entries. */
function breakdown() {
  const nav = performance.getEntriesByType('navigation')[0];
  const scripts = performance
    .getEntriesByType('resource')
    .filter((r) => r.initiatorType === 'script' || r.name.endsWith('.js'));
  const ms = (v) => Math.round(v);
  return {
    ttfbMs: ms(nav.responseStart),
    htmlMs: ms(nav.responseEnd),
    domContentLoadedMs: ms(nav.domContentLoadedEventEnd),
    scripts: scripts.length,
    scriptKB: Math.round(scripts.reduce((n, r) => n + (r.encodedBodySize || 0), 0) / 1024),
    lastScriptMs: ms(Math.max(0, ...scripts.map((r) => r.responseEnd))),
  };
}

/** One navigation to `c.url`, timed until `c.ready` holds; with the page's own breakdown. */
async function visit(page, c) {
  const t0 = performance.now();
  await page.goto(c.url, { waitUntil: 'commit' });
  await page.waitForFunction(drawn, c.ready, { timeout: 60_000, polling: 'raf' });
  const ms = Math.round(performance.now() - t0);
  return { ms, ...(await page.evaluate(breakdown)) };
}

async function main() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'graft-console-bench-'));
  const pgDb = await postgresUrl();
  const server = await createServer({
    config: loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      GRAFT_DATA_DIR: dataDir,
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
      { runs: RUNS, epochsPerRun: SEED_EPOCHS, chunk: 1000, budgetSeconds: Infinity },
      (m) => log(m),
    );
    // Four runs with 200 epochs each: the seeded 50 (numbered from 0) copied 3 times after them.
    const first = Math.min(200, seeded.runIds.length - COMPARED);
    const compareIds = seeded.runIds.slice(first, first + COMPARED);
    for (let k = 1; k < COMPARE_EPOCHS / SEED_EPOCHS; k++) {
      await server.database.pool.query(
        `insert into run_epochs (run_id, phase, phase_index, epoch, loss, accuracy, val_loss, val_accuracy, seconds)
         select run_id, phase, phase_index, epoch + $2, loss * 0.98, accuracy, val_loss * 0.98, val_accuracy, seconds
         from run_epochs where run_id = any($1::uuid[]) and epoch < $3`,
        [compareIds, SEED_EPOCHS * k, SEED_EPOCHS],
      );
    }
    // What "fully drawn" means for this data: every epoch of every run is a point of its train
    // and validation line, in both charts (the seeded epochs have no missing metric).
    const { rows } = await server.database.pool.query(
      'select count(*)::int as n from run_epochs where run_id = any($1::uuid[])',
      [compareIds],
    );
    const compareEpochs = rows[0].n;
    emit({
      bench: 'seed',
      db,
      runs: seeded.runIds.length,
      compareEpochs,
      ms: Math.round(seeded.seconds * 1000),
      ...machine(),
    });
    const key = (await readFile(path.join(dataDir, 'maintainer.key'), 'utf8')).trim();

    const port = await freePort();
    const consoleUrl = `http://127.0.0.1:${port}`;
    next = spawn(
      process.execPath,
      [
        fileURLToPath(import.meta.resolve('next/dist/bin/next')),
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
    const newPage = async () => {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      await context.addCookies([
        { name: 'graft_key', value: key, url: consoleUrl, httpOnly: true },
      ]);
      return context.newPage();
    };

    const cases = [
      {
        bench: 'runs-page',
        url: `${consoleUrl}/runs`,
        ready: { sel: '[data-testid="run-row"]', count: 1, points: 0 },
        target: 1000,
      },
      {
        bench: `compare-${COMPARED}x${COMPARE_EPOCHS}`,
        url: `${consoleUrl}/compare?ids=${compareIds.join(',')}`,
        ready: {
          sel: '[data-testid="compare-curves"] .recharts-line-curve',
          count: 2 * COMPARED * 2,
          points: 2 * 2 * compareEpochs,
        },
        target: 1000,
      },
    ];
    // Cold: every page's first visit before any warm one, so that no route is compiled or
    // cached in the console (nor its chunks in the browser) by another page's measurements.
    for (const c of cases) {
      const page = await newPage();
      const { ms, ...parts } = await visit(page, c);
      await page.context().close();
      emit({
        bench: `${c.bench}-cold`,
        db,
        ms,
        ...parts,
        targetMs: c.target,
        runs: seeded.runIds.length,
        ...machine(),
      });
      log(`${c.bench}: cold ${ms} ms (target < ${c.target} ms)`);
    }
    for (const c of cases) {
      const page = await newPage();
      await visit(page, c); // this context's first visit: its HTTP cache
      const samples = [];
      for (let i = 0; i < REPEATS; i++) samples.push((await visit(page, c)).ms);
      await page.context().close();
      const ms = median(samples);
      emit({
        bench: `${c.bench}-warm`,
        db,
        ms,
        minMs: Math.min(...samples),
        maxMs: Math.max(...samples),
        samplesMs: samples,
        targetMs: c.target,
        runs: seeded.runIds.length,
        ...machine(),
      });
      log(`${c.bench}: warm median ${ms} ms of ${REPEATS} (target < ${c.target} ms)`);
    }
  } finally {
    await browser?.close();
    next?.kill('SIGTERM');
    await server.close();
    await pgDb?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
