// No Buffer: the browser build of the verifier uses this module as it is. btoa and atob are
// globals in browsers and in Node 16+, and native in both.
const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const hexPattern = /^(?:[0-9a-f]{2})*$/;

const base64Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const hexOfByte = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
const nibbleOfCharCode = new Uint8Array(128);
for (let i = 0; i < 16; i++) nibbleOfCharCode['0123456789abcdef'.charCodeAt(i)] = i;
// String.fromCharCode takes its bytes as arguments: stay well below engines' argument limits.
const charCodeChunk = 0x2000;

/** Standard base64 (RFC 4648 §4, with padding). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += charCodeChunk) {
    // apply takes any array-like: a Uint8Array is one, without the copy spreading would make.
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + charCodeChunk) as unknown as number[]);
  }
  return btoa(binary);
}

/** Strict base64 decode: returns undefined for anything that is not canonical padded base64. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!base64Pattern.test(text)) return undefined;
  // The pattern admits non-zero pad bits (`QR==` decodes like `QQ==`). Two spellings of one
  // signature are malleability: anything keyed on the text (a frame id, a replay check) would
  // see two frames. Only the canonical spelling, with the unused low bits zero, is accepted.
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  if (padding > 0) {
    const last = base64Alphabet.indexOf(text.charAt(text.length - padding - 1));
    if ((last & (padding === 2 ? 0x0f : 0x03)) !== 0) return undefined;
  }
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Lower-case hex. */
export function toHex(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += hexOfByte[bytes[i] as number];
  return text;
}

/** Strict lower-case hex decode: undefined for odd length or other characters. */
export function fromHex(text: string): Uint8Array | undefined {
  if (!hexPattern.test(text)) return undefined;
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] =
      ((nibbleOfCharCode[text.charCodeAt(2 * i)] as number) << 4) |
      (nibbleOfCharCode[text.charCodeAt(2 * i + 1)] as number);
  }
  return bytes;
}

/** Constant-shape byte comparison (length first, then every byte). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/**
 * Length in bytes of the UTF-8 encoding of `text`, without encoding it. A lone surrogate counts
 * 3 bytes, as TextEncoder writes it as U+FFFD.
 */
export function utf8ByteLength(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) length += 1;
    else if (unit < 0x800) length += 2;
    else if (unit >= 0xd800 && unit < 0xdc00 && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next < 0xe000) {
        length += 4;
        i++;
      } else length += 3;
    } else length += 3;
  }
  return length;
}
