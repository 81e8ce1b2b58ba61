import { describe, expect, it } from 'vitest';
import { MAX_COMPARED, parseIds } from './compareData';

describe('parseIds', () => {
  it('reads comma-separated and repeated ids, trimmed, in order, without duplicates', () => {
    expect(parseIds('a, b,,a')).toEqual({ ids: ['a', 'b'], dropped: 0 });
    expect(parseIds(['a,b', ' c ', 'b'])).toEqual({ ids: ['a', 'b', 'c'], dropped: 0 });
  });

  it('is empty without ids', () => {
    expect(parseIds(undefined)).toEqual({ ids: [], dropped: 0 });
    expect(parseIds('')).toEqual({ ids: [], dropped: 0 });
    expect(parseIds([' , '])).toEqual({ ids: [], dropped: 0 });
  });

  it(`keeps the first ${MAX_COMPARED} distinct ids and counts the rest`, () => {
    expect(parseIds('1,2,3,4,5,6,1')).toEqual({ ids: ['1', '2', '3', '4'], dropped: 2 });
  });
});
