// Checks on signed-note text shared by signing and opening. Internal to the package.

/** Largest note accepted, in UTF-8 bytes: room for 100 signatures of post-quantum size. */
export const noteBytesMax = 1_048_576;

/** Most signature lines accepted on one note (c2sp.org/signed-note asks for at least 16). */
export const noteSignaturesMax = 100;

/** Whether text is encodable as UTF-8 (no lone surrogate) and has no control character but newline. */
export function isValidNoteCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 && code !== 0x0a) return false;
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      return false;
    }
  }
  return true;
}
