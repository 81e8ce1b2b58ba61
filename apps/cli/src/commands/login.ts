import { GraftClient } from '../client.js';
import { normaliseUrl, writeConfig } from '../config.js';
import { defineCommand, str } from '../command.js';
import { usageError } from '../errors.js';

export const login = defineCommand({
  name: 'login',
  summary: 'Check an API URL and key, and store them for the next commands.',
  usage: 'graft login --url <api url> --key <key>',
  help: `Verifies the key with \`{ me { name role } }\` and stores URL and key in $GRAFT_CONFIG,
else ~/.config/graft/config.json (mode 0600). GRAFT_URL and GRAFT_KEY, when set, override the
stored values for every command (and default --url / --key here).

options:
  --url <url>      the API base URL (http://host:4000) or its /graphql endpoint
  --key <key>      an API key (graft_...)`,
  options: { url: { type: 'string' }, key: { type: 'string' } },
  json: true,
  positionals: { min: 0, max: 0, names: '' },
  async run(ctx, values) {
    const url = str(values, 'url') ?? ctx.env['GRAFT_URL'];
    const key = str(values, 'key') ?? ctx.env['GRAFT_KEY'];
    if (!url)
      throw usageError('missing --url <api url>', 'usage: graft login --url <api url> --key <key>');
    if (!key)
      throw usageError('missing --key <key>', 'usage: graft login --url <api url> --key <key>');
    const credentials = { url: normaliseUrl(url), key };
    const data = await new GraftClient(credentials).request<{ me: { name: string; role: string } }>(
      '{ me { name role } }',
    );
    const path = await writeConfig(credentials, ctx.env);
    if (values['json']) {
      process.stdout.write(
        JSON.stringify({ ...data, url: credentials.url, config: path }, null, 2) + '\n',
      );
      return;
    }
    process.stdout.write(
      `Logged in to ${credentials.url} as ${data.me.name} (${data.me.role}).\nSaved to ${path}.\n`,
    );
  },
});
