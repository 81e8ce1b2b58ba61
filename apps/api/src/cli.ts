#!/usr/bin/env node
/**
 * `graft-api [serve]`       start the API (embedded PGlite + S3 unless configured otherwise)
 * `graft-api emit-schema`   write the GraphQL SDL to apps/api/schema.graphql (or the given path)
 */
import { writeFile } from 'node:fs/promises';

const USAGE = `usage: graft-api [serve | worker | emit-schema [file]]

  serve         start the API (default). Configuration comes from the environment:
                PORT, HOST, GRAFT_DATA_DIR, DATABASE_URL, S3_ENDPOINT, S3_ACCESS_KEY,
                S3_SECRET_KEY, S3_BUCKET, MAX_UPLOAD_BYTES, LOG_LEVEL (see src/env.ts).
  worker        execute training runs from the queue (needs DATABASE_URL and S3_*; start any
                number, on any machines)
  emit-schema   write the GraphQL schema (SDL) to schema.graphql, or to [file]
`;

const [command = 'serve', ...rest] = process.argv.slice(2);

switch (command) {
  case 'serve':
    await import('./index.js');
    break;
  case 'worker':
    await import('./worker/main.js');
    break;
  case 'emit-schema': {
    const { buildGraphQLSchema, printGraphQLSchema, SCHEMA_FILE } = await import('./schema.js');
    const file = rest[0] ?? SCHEMA_FILE;
    let sdl = printGraphQLSchema(await buildGraphQLSchema());
    // Written the way the repository's `prettier --check` wants it. Prettier is a dev tool:
    // where it is not installed the SDL is written as graphql-js prints it.
    const prettier = await import('prettier').catch(() => undefined);
    if (prettier) {
      const options = await prettier.resolveConfig(file);
      sdl = await prettier.format(sdl, { ...options, parser: 'graphql' });
    }
    await writeFile(file, sdl);
    console.log(`wrote ${file}`);
    break;
  }
  case 'help':
  case '--help':
  case '-h':
    process.stdout.write(USAGE);
    break;
  default:
    process.stderr.write(`unknown command '${command}'\n\n${USAGE}`);
    process.exitCode = 2;
}
