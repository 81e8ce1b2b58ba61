/**
 * Setup file of every browser test file: when a test fails, screenshot the pages it left open
 * (see `shotOnFailure`) before `afterAll` closes the browser.
 */
import { afterEach } from 'vitest';
import { shotOnFailure } from './browser.js';

afterEach(async ({ task }) => {
  if (task.result?.state !== 'fail') return;
  const saved = await shotOnFailure(task.file.filepath, task.name);
  for (const f of saved) process.stderr.write(`[browser] failure screenshot: ${f}\n`);
});
