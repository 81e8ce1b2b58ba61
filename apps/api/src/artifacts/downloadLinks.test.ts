import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signDownload, verifyDownload } from './downloadLinks.js';

describe('download links', () => {
  const secret = randomBytes(32);
  it('verifies a link until it expires', () => {
    const now = Date.now();
    const token = signDownload(secret, 'run-1', now + 60_000);
    expect(verifyDownload(secret, token, now)).toEqual({ runId: 'run-1', expiresAt: now + 60_000 });
    expect(verifyDownload(secret, token, now + 60_001)).toBeNull();
  });
  it('refuses another key, a changed run id or expiry, and garbage', () => {
    const exp = Date.now() + 60_000;
    const token = signDownload(secret, 'run-1', exp);
    expect(verifyDownload(randomBytes(32), token)).toBeNull();
    const [, , mac] = Buffer.from(token, 'base64url').toString().split('.');
    expect(
      verifyDownload(secret, Buffer.from(`run-2.${exp}.${mac}`).toString('base64url')),
    ).toBeNull();
    expect(
      verifyDownload(secret, Buffer.from(`run-1.${exp + 1}.${mac}`).toString('base64url')),
    ).toBeNull();
    expect(verifyDownload(secret, 'not-a-token')).toBeNull();
  });
});
