const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const hexPattern = /^(?:[0-9a-f]{2})*$/;

/** Standard base64 (RFC 4648 §4, with padding). */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Strict base64 decode: returns undefined for anything that is not canonical padded base64. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!base64Pattern.test(text)) return undefined;
  const bytes = new Uint8Array(Buffer.from(text, 'base64'));
  // The pattern admits non-zero pad bits (`QR==` decodes like `QQ==`). Two spellings of one
  // signature are malleability: anything keyed on the text (a frame id, a replay check) would
  // see two frames. Only the canonical spelling is accepted.
  return toBase64(bytes) === text ? bytes : undefined;
}

/** Lower-case hex. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Strict lower-case hex decode: undefined for odd length or other characters. */
export function fromHex(text: string): Uint8Array | undefined {
  if (!hexPattern.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, 'hex'));
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
