// The console screenshots in docs/screenshots (npm run screenshots) are real pages, not blank
// canvases: each is 1440×900 with many colours and plenty of pixels unlike its background.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodePng, imageVariety } from './decode-png.ts';
import { screenshotFiles } from './screenshots.ts';

const folder = join(import.meta.dirname, '..', 'docs', 'screenshots');

/** A PNG of `rows` (RGB, filter byte per row given), for checking the decoder on known pixels. */
function encodeRgb(width: number, rows: { filter: number; bytes: number[] }[]): Buffer {
  const chunk = (type: string, body: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length);
    return Buffer.concat([length, Buffer.from(type, 'latin1'), body, Buffer.alloc(4)]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(rows.length, 4);
  header[8] = 8;
  header[9] = 2;
  const raw = Buffer.from(rows.flatMap((row) => [row.filter, ...row.bytes]));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('console screenshots', () => {
  it('decodes the row filters (none, sub, up, average, paeth)', () => {
    const png = encodeRgb(2, [
      { filter: 0, bytes: [10, 20, 30, 40, 50, 60] },
      { filter: 1, bytes: [1, 2, 3, 1, 1, 1] },
      { filter: 2, bytes: [5, 5, 5, 5, 5, 5] },
      { filter: 3, bytes: [0, 0, 0, 0, 0, 0] },
      { filter: 4, bytes: [0, 0, 0, 0, 0, 0] },
    ]);
    const image = decodePng(png);
    expect([image.width, image.height]).toEqual([2, 5]);
    const pixel = (x: number, y: number) => [...image.rgba.subarray((y * 2 + x) * 4, (y * 2 + x) * 4 + 4)];
    expect(pixel(1, 0)).toEqual([40, 50, 60, 255]);
    expect(pixel(1, 1)).toEqual([2, 3, 4, 255]);
    expect(pixel(0, 2)).toEqual([6, 7, 8, 255]);
    expect(pixel(0, 3)).toEqual([3, 3, 4, 255]);
    expect(pixel(1, 3)).toEqual([5, 5, 6, 255]);
    expect(pixel(0, 4)).toEqual([3, 3, 4, 255]);
    expect(pixel(1, 4)).toEqual([5, 5, 6, 255]);
    expect(imageVariety(decodePng(encodeRgb(1, [{ filter: 0, bytes: [255, 255, 255] }]))).distinctColours).toBe(1);
  });

  it.each(screenshotFiles)('docs/screenshots/%s.png is a 1440×900 page, not blank', (file) => {
    const image = decodePng(readFileSync(join(folder, `${file}.png`)));
    expect([image.width, image.height]).toEqual([1440, 900]);
    const variety = imageVariety(image);
    expect(variety.distinctColours).toBeGreaterThan(16);
    expect(variety.nonBackgroundShare).toBeGreaterThan(0.01);
  });
});
