/**
 * Writes the lineage JSON Schema next to the compiled lineage module
 * (`dist/lineage/lineage.schema.json`, exported as `@graft/core/lineage/schema.json`).
 * Run by `npm run build` after `tsc`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { lineageRecordSchema } from '../lineage/schema.js';

const target = new URL('../lineage/lineage.schema.json', import.meta.url);
await mkdir(new URL('.', target), { recursive: true });
await writeFile(target, `${JSON.stringify(lineageRecordSchema, null, 2)}\n`);
console.log(`wrote ${fileURLToPath(target)}`);
