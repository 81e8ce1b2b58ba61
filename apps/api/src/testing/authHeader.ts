import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MAINTAINER_KEY_FILE } from '../auth/index.js';

/** `Bearer <key>` of the maintainer key a server wrote into its data folder at first start. */
export function maintainerAuthorization(dataDir: string): string {
  return `Bearer ${readFileSync(path.join(dataDir, MAINTAINER_KEY_FILE), 'utf8').trim()}`;
}
