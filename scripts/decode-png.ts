// A small PNG decoder for the screenshot check: 8-bit RGB or RGBA, non-interlaced (what Chromium
// writes). No dependency: node:zlib inflates the IDAT stream and the five row filters are undone here.
import { inflateSync } from 'node:zlib';

/** A decoded image: width, height and RGBA pixels, 4 bytes each. */
export interface DecodedPng {
  width: number;
  height: number;
  rgba: Uint8Array;
}

const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Decode a PNG. Throws on another format, bit depth, colour type or interlacing. */
export function decodePng(bytes: Buffer): DecodedPng {
  if (!bytes.subarray(0, 8).equals(signature)) throw new Error('not a PNG file');
  let offset = 8;
  let width = 0;
  let height = 0;
  let colourType = 0;
  const data: Buffer[] = [];
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const bitDepth = body[8];
      colourType = body[9] ?? 0;
      if (bitDepth !== 8 || (colourType !== 2 && colourType !== 6) || body[12] !== 0) {
        throw new Error(`unsupported PNG: bit depth ${bitDepth}, colour type ${colourType}, interlace ${body[12]}`);
      }
    } else if (type === 'IDAT') data.push(body);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  const channels = colourType === 6 ? 4 : 3;
  const stride = width * channels;
  const raw = inflateSync(Buffer.concat(data));
  const pixels = new Uint8Array(stride * height);
  for (let row = 0; row < height; row += 1) {
    const filter = raw[row * (stride + 1)];
    const source = row * (stride + 1) + 1;
    const target = row * stride;
    for (let column = 0; column < stride; column += 1) {
      const value = raw[source + column] ?? 0;
      const left = column >= channels ? (pixels[target + column - channels] ?? 0) : 0;
      const up = row > 0 ? (pixels[target - stride + column] ?? 0) : 0;
      const upLeft = row > 0 && column >= channels ? (pixels[target - stride + column - channels] ?? 0) : 0;
      let predicted = 0;
      if (filter === 1) predicted = left;
      else if (filter === 2) predicted = up;
      else if (filter === 3) predicted = (left + up) >> 1;
      else if (filter === 4) {
        const estimate = left + up - upLeft;
        const [toLeft, toUp, toUpLeft] = [
          Math.abs(estimate - left),
          Math.abs(estimate - up),
          Math.abs(estimate - upLeft),
        ];
        predicted = toLeft <= toUp && toLeft <= toUpLeft ? left : toUp <= toUpLeft ? up : upLeft;
      } else if (filter !== 0) throw new Error(`bad PNG filter ${filter} on row ${row}`);
      pixels[target + column] = (value + predicted) & 0xff;
    }
  }
  if (channels === 4) return { width, height, rgba: pixels };
  const rgba = new Uint8Array(width * height * 4);
  for (let index = 0; index < width * height; index += 1) {
    rgba[index * 4] = pixels[index * 3] ?? 0;
    rgba[index * 4 + 1] = pixels[index * 3 + 1] ?? 0;
    rgba[index * 4 + 2] = pixels[index * 3 + 2] ?? 0;
    rgba[index * 4 + 3] = 255;
  }
  return { width, height, rgba };
}

/** How varied an image is: its distinct colours and the share of pixels unlike its commonest colour. */
export function imageVariety(image: DecodedPng): { distinctColours: number; nonBackgroundShare: number } {
  const counts = new Map<number, number>();
  const view = new DataView(image.rgba.buffer, image.rgba.byteOffset, image.rgba.byteLength);
  for (let index = 0; index < image.width * image.height; index += 1) {
    const colour = view.getUint32(index * 4);
    counts.set(colour, (counts.get(colour) ?? 0) + 1);
  }
  const commonest = Math.max(...counts.values());
  const total = image.width * image.height;
  return { distinctColours: counts.size, nonBackgroundShare: (total - commonest) / total };
}
