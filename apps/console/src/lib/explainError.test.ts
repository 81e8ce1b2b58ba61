import { describe, expect, it } from 'vitest';
import { explainError } from './explainError';
import { ApiError, UNREACHABLE } from './graphqlClient';

describe('explainError', () => {
  it('tells the user what to do when the API is unreachable, from the digest alone', () => {
    // What an error boundary gets in production: Next's generic message and our digest.
    const err = new ApiError([{ message: 'x', extensions: { code: UNREACHABLE } }]);
    const ex = explainError({
      message: 'An error occurred in the Server Components render.',
      digest: err.digest,
    });
    expect(ex.code).toBe('API_UNREACHABLE');
    expect(ex.title).toMatch(/cannot reach the Graft API/);
    expect(ex.hint).toMatch(/GRAFT_API_URL/);
  });

  it('explains the API codes it knows and names the ones it does not', () => {
    expect(explainError({ digest: 'graft:FORBIDDEN' }).title).toMatch(/may not see this/);
    expect(explainError({ digest: 'graft:INTERNAL_SERVER_ERROR' }).hint).toMatch(/API’s log/);
    expect(explainError({ digest: 'graft:TEAPOT' })).toMatchObject({
      code: 'TEAPOT',
      title: expect.stringContaining('TEAPOT'),
    });
  });

  it('falls back to a generic explanation for errors that are not the API’s', () => {
    expect(explainError({ digest: '12345' })).toEqual({
      title: 'The page failed to load',
      hint: expect.stringMatching(/console’s log/),
    });
    expect(explainError(new Error('boom')).code).toBeUndefined();
  });
});
