import { describe, expect, it } from 'vitest';
import { detailOf, missingResource } from './missing';

describe('detailOf', () => {
  it('names the resource of each detail page, with its id or name decoded', () => {
    expect(detailOf('/runs/0b5c1b2e-58a5-4c3b-9d7e-3f1f8b6f2a10')).toEqual({
      resource: 'run',
      value: '0b5c1b2e-58a5-4c3b-9d7e-3f1f8b6f2a10',
    });
    expect(detailOf('/models/digits%20v2')).toEqual({ resource: 'model', value: 'digits v2' });
    expect(detailOf('/lineage/abc/')).toEqual({ resource: 'version', value: 'abc' });
  });

  it('leaves other pages alone: lists, the New run form, deeper paths, malformed escapes', () => {
    for (const path of [
      '/runs',
      '/runs/new',
      '/models',
      '/compare',
      '/runs/a/b',
      '/models/%E0%A4%A',
    ])
      expect(detailOf(path)).toBeUndefined();
  });
});

describe('missingResource', () => {
  it('knows without asking that an id which is not a UUID names no run or version', async () => {
    // No API listens at the configured URL in unit tests: an answer proves nothing was asked.
    expect(await missingResource('/runs/not-a-run', 'key')).toBe('run');
    expect(await missingResource('/lineage/42', 'key')).toBe('version');
  });

  it('cannot tell when the API does not answer: the page shows the error itself', async () => {
    const nowhere = '/runs/0b5c1b2e-58a5-4c3b-9d7e-3f1f8b6f2a10';
    expect(await missingResource(nowhere, 'key', 2_000)).toBeUndefined();
    expect(await missingResource('/models/x', 'key', 2_000)).toBeUndefined();
  });
});
