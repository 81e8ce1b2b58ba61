import { describe, expect, it } from 'vitest';
import { listHref, parseListParams } from './listParams';

describe('parseListParams', () => {
  it('reads filters, order and the page trail from the search params', () => {
    expect(
      parseListParams({
        status: 'running',
        mode: 'fine-tuning',
        backbone: 'bb1',
        dataset: ' ds1 ',
        tag: ['baseline', 'ignored'],
        order: 'testAccuracy',
        after: 'c2',
        trail: '-,c1',
      }),
    ).toEqual({
      status: 'running',
      mode: 'fine-tuning',
      backbone: 'bb1',
      dataset: 'ds1',
      tag: 'baseline',
      order: 'testAccuracy',
      after: 'c2',
      trail: ['', 'c1'],
    });
  });

  it('drops what it does not know and defaults the order', () => {
    expect(parseListParams({ status: 'exploded', order: 'name', tag: '  ' })).toEqual({
      status: undefined,
      mode: undefined,
      backbone: undefined,
      dataset: undefined,
      tag: undefined,
      order: 'createdAt',
      after: undefined,
      trail: [],
    });
  });
});

describe('listHref', () => {
  const first = parseListParams({});

  it('is /runs for the defaults', () => {
    expect(listHref(first)).toBe('/runs');
    expect(listHref(first, { order: 'createdAt', after: undefined })).toBe('/runs');
  });

  it('keeps filters and order, and the trail only with a cursor', () => {
    expect(listHref(first, { mode: 'fine-tuning', order: 'bestValAccuracy' })).toBe(
      '/runs?mode=fine-tuning&order=bestValAccuracy',
    );
    expect(listHref(first, { trail: ['x'] })).toBe('/runs');
    expect(listHref(first, { after: 'c2', trail: ['', 'c1'] })).toBe('/runs?after=c2&trail=-%2Cc1');
  });

  it('round-trips through parseListParams', () => {
    const p = parseListParams({
      status: 'failed',
      tag: 'a b&c',
      order: 'testAccuracy',
      after: 'c3',
      trail: '-,c1,c2',
    });
    const href = listHref(p);
    const back = parseListParams(Object.fromEntries(new URL(href, 'http://x').searchParams));
    expect(back).toEqual(p);
  });
});
