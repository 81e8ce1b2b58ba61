import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptImagesError, GraftError, InvalidSpecError } from '../errors.js';
import { datasetContentHash } from './hash.js';
import { loadImageFolder } from './imageFolder.js';

let root: string;

function solid(width: number, height: number, r: number, g: number, b: number): Sharp {
  return sharp({ create: { width, height, channels: 3, background: { r, g, b } } });
}

/** A noisy image, so that its png is large enough to truncate meaningfully. */
async function noisyPng(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919) % 251;
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** `<root>/<name>/{cats,dogs}/...` with valid images of mixed formats and sizes. */
async function makeGoodFolder(name: string): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(path.join(dir, 'cats'), { recursive: true });
  await mkdir(path.join(dir, 'dogs', 'nested'), { recursive: true });
  await solid(40, 30, 255, 0, 0)
    .png()
    .toFile(path.join(dir, 'cats', 'a.png'));
  await solid(17, 50, 0, 0, 255)
    .jpeg({ quality: 95 })
    .toFile(path.join(dir, 'cats', 'b.JPG'));
  // RGBA png: alpha must be removed.
  await sharp({
    create: { width: 12, height: 12, channels: 4, background: { r: 0, g: 255, b: 0, alpha: 0.5 } },
  })
    .png()
    .toFile(path.join(dir, 'cats', 'c.png'));
  // Single-channel grayscale png.
  await sharp(Buffer.alloc(9 * 11, 128), { raw: { width: 9, height: 11, channels: 1 } })
    .png()
    .toFile(path.join(dir, 'dogs', 'gray.png'));
  await solid(64, 64, 255, 255, 255)
    .webp({ lossless: true })
    .toFile(path.join(dir, 'dogs', 'nested', 'w.webp'));
  await writeFile(path.join(dir, 'dogs', 'notes.txt'), 'not an image');
  await writeFile(path.join(dir, 'README.md'), 'top-level files are ignored');
  return dir;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'graft-imagefolder-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function pixel(
  set: { pixels: Uint8Array; imageShape: [number, number, number] },
  i: number,
  y: number,
  x: number,
) {
  const [h, w, c] = set.imageShape;
  const at = ((i * h + y) * w + x) * c;
  return Array.from(set.pixels.subarray(at, at + c));
}

describe('loadImageFolder', () => {
  it('reads class folders in sorted order, resizing every image to the requested size', async () => {
    const dir = await makeGoodFolder('good');
    const progress: [number, number][] = [];
    const set = await loadImageFolder({
      dir,
      size: [8, 6],
      onProgress: (d, t) => progress.push([d, t]),
    });
    expect(set.name).toBe('good');
    expect(set.classes).toEqual(['cats', 'dogs']);
    expect(set.imageShape).toEqual([8, 6, 3]);
    expect(set.count).toBe(5);
    expect(set.pixels.length).toBe(5 * 8 * 6 * 3);
    expect(Array.from(set.labels)).toEqual([0, 0, 0, 1, 1]);
    expect(set.sources.map((s) => path.relative(dir, s))).toEqual([
      path.join('cats', 'a.png'),
      path.join('cats', 'b.JPG'),
      path.join('cats', 'c.png'),
      path.join('dogs', 'gray.png'),
      path.join('dogs', 'nested', 'w.webp'),
    ]);
    expect(set.skipped).toEqual([]);
    expect(progress.length).toBe(5);
    expect(progress[4]).toEqual([5, 5]);

    expect(pixel(set, 0, 3, 3)).toEqual([255, 0, 0]);
    const [r, g, b] = pixel(set, 1, 7, 5);
    expect(r).toBeLessThan(10);
    expect(g).toBeLessThan(10);
    expect(b).toBeGreaterThan(245);
    expect(pixel(set, 2, 0, 0)).toEqual([0, 255, 0]);
    expect(pixel(set, 3, 4, 2)).toEqual([128, 128, 128]);
    expect(pixel(set, 4, 0, 0)).toEqual([255, 255, 255]);

    // Same files, same content (and hash).
    const again = await loadImageFolder({ dir, size: [8, 6], concurrency: 1 });
    expect(datasetContentHash(again)).toBe(datasetContentHash(set));
  });

  it('converts to one grayscale channel', async () => {
    const dir = path.join(root, 'good');
    const set = await loadImageFolder({ dir, size: [5, 5], channels: 1, fit: 'cover' });
    expect(set.imageShape).toEqual([5, 5, 1]);
    expect(set.pixels.length).toBe(5 * 25);
    expect(pixel(set, 3, 2, 2)).toEqual([128]);
    expect(pixel(set, 4, 2, 2)).toEqual([255]);
    const [red] = pixel(set, 0, 2, 2);
    expect(red).toBeGreaterThan(20);
    expect(red).toBeLessThan(128);
  });

  it('lists every corrupt image, or skips and counts them with skipCorrupt', async () => {
    const dir = await makeGoodFolder('corrupt');
    const garbage = path.join(dir, 'cats', 'x.jpg');
    const bytes = Buffer.alloc(2048);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    await writeFile(garbage, bytes);
    const png = await noisyPng(64, 64);
    const truncated = path.join(dir, 'dogs', 'truncated.png');
    await writeFile(truncated, png.subarray(0, Math.floor(png.length / 2)));

    const err = await loadImageFolder({ dir, size: [8, 8] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptImagesError);
    const corrupt = err as CorruptImagesError;
    expect(corrupt.code).toBe('CORRUPT_IMAGES');
    expect(corrupt.paths).toEqual([garbage, truncated]);
    expect(corrupt.message).toContain(garbage);
    expect(corrupt.message).toContain(truncated);

    const set = await loadImageFolder({ dir, size: [8, 8], skipCorrupt: true });
    expect(set.count).toBe(5);
    expect(set.skipped.map((s) => s.path)).toEqual([garbage, truncated]);
    expect(set.skipped.every((s) => s.reason.length > 0)).toBe(true);
    expect(set.sources).not.toContain(garbage);
    expect(Array.from(set.labels)).toEqual([0, 0, 0, 1, 1]);
    expect(pixel(set, 4, 0, 0)).toEqual([255, 255, 255]);
  });

  it('reports a missing folder, too few classes and empty classes', async () => {
    const missing = loadImageFolder({ dir: path.join(root, 'nope'), size: [4, 4] });
    await expect(missing).rejects.toBeInstanceOf(GraftError);
    await expect(missing).rejects.toMatchObject({ code: 'DATASET_NOT_FOUND' });

    const one = path.join(root, 'one');
    await mkdir(path.join(one, 'only'), { recursive: true });
    await solid(4, 4, 1, 2, 3)
      .png()
      .toFile(path.join(one, 'only', 'a.png'));
    await expect(loadImageFolder({ dir: one, size: [4, 4] })).rejects.toThrow(InvalidSpecError);
    await expect(loadImageFolder({ dir: one, size: [4, 4] })).rejects.toThrow(/at least 2 classes/);

    await mkdir(path.join(one, 'empty'));
    await writeFile(path.join(one, 'empty', 'x.txt'), 'no images');
    const emptyErr = loadImageFolder({ dir: one, size: [4, 4] });
    await expect(emptyErr).rejects.toThrow(InvalidSpecError);
    await expect(emptyErr).rejects.toThrow(path.join(one, 'empty'));
  });
});
