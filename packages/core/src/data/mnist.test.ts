import { describe, expect, it } from 'vitest';
import { loadMnistDigits } from './mnist.js';

describe('loadMnistDigits', () => {
  it('loads all 10,000 digits by default', () => {
    const set = loadMnistDigits();
    expect(set.count).toBe(10_000);
    expect(set.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(set.imageShape).toEqual([28, 28, 1]);
    expect(set.pixels.length).toBe(10_000 * 784);
    expect(set.labels.length).toBe(10_000);
    expect(new Set(set.sources).size).toBe(10_000);
    expect(set.name).toBe('mnist');
  });

  it('filters digits 5-9 with labels 0..4 and uint8 pixels', () => {
    const set = loadMnistDigits({ digits: [9, 8, 7, 6, 5] });
    expect(set.classes).toEqual(['5', '6', '7', '8', '9']);
    expect(set.name).toBe('mnist[5-9]');
    expect(set.count).toBeGreaterThan(4500);
    expect(set.count).toBeLessThan(5500);
    const counts = [0, 0, 0, 0, 0];
    for (const l of set.labels) counts[l]!++;
    expect(counts.every((n) => n > 800 && n < 1200)).toBe(true);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(set.count);
    expect(set.labels.every((l) => l >= 0 && l <= 4)).toBe(true);
    // Real digits: mostly black background, some full-intensity strokes.
    const first = set.pixels.subarray(0, 784);
    expect(Math.max(...first)).toBeGreaterThan(200);
    expect(first.filter((v) => v === 0).length).toBeGreaterThan(400);
    // Round-robin order: the first five images are one of each class.
    expect(Array.from(set.labels.subarray(0, 5))).toEqual([0, 1, 2, 3, 4]);
    expect(set.sources[0]).toMatch(/^mnist#\d+$/);
  });

  it('is deterministic, limited and balanced, with sources independent of the filter', () => {
    const a = loadMnistDigits({ digits: [5, 6], limit: 100 });
    const b = loadMnistDigits({ digits: [5, 6], limit: 100 });
    expect(a.count).toBe(100);
    expect(a.pixels).toEqual(b.pixels);
    expect(a.sources).toEqual(b.sources);
    expect(a.labels.filter((l) => l === 0).length).toBe(50);
    const all = loadMnistDigits();
    const pos = all.sources.indexOf(a.sources[1]!);
    expect(all.classes[all.labels[pos]!]).toBe('6');
    expect(all.pixels.subarray(pos * 784, (pos + 1) * 784)).toEqual(
      a.pixels.subarray(784, 2 * 784),
    );
  });

  it('rejects bad digits and limits', () => {
    expect(() => loadMnistDigits({ digits: [10] })).toThrow(/0\.\.9/);
    expect(() => loadMnistDigits({ digits: [] })).toThrow(/at least one/);
    expect(() => loadMnistDigits({ limit: -1 })).toThrow(/limit/);
  });
});
