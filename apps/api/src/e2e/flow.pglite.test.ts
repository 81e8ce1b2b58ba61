import { loadConfig } from '../env.js';
import { createTempDir } from '../testing/tempDir.js';
import { registryFlowSuite } from './flow.js';

// Embedded: PGlite in the data folder, the embedded S3 server, the forked worker child.
registryFlowSuite('PGlite + embedded S3 + embedded worker', async () => {
  const dir = await createTempDir();
  const config = loadConfig({
    PORT: '0',
    GRAFT_DATA_DIR: dir.path,
    LOG_LEVEL: 'silent',
    GRAFT_QUEUE_POLL_SECONDS: '1',
  });
  return { config, worker: true, cleanup: () => dir.remove() };
});
