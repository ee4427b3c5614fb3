import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesEqual, fromBase64, fromHex, toBase64, toHex, utf8, utf8ByteLength } from './encoding.ts';

describe('base64', () => {
  it('decodes the RFC 4648 §10 test vectors', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [text, encoded] of vectors) {
      expect(toBase64(utf8(text))).toBe(encoded);
      expect(fromBase64(encoded)).toEqual(utf8(text));
    }
  });

  it.each([
    ['non-zero pad bits, 2 bytes', 'QR=='],
    ['non-zero pad bits, 3 bytes', 'QUJ='],
    ['missing padding', 'Zg'],
    ['short padding', 'Zg='],
    ['padding only', '===='],
    ['padding in the middle', 'Zg==Zm8='],
    ['URL-safe alphabet', 'ab-_'],
    ['a line break', 'Zm9v\nYmFy'],
    ['white space', ' Zm9v'],
    ['a stray character', 'Zm9v*mFy'],
  ])('rejects %s (%j)', (_name, text) => {
    expect(fromBase64(text)).toBeUndefined();
  });

  it('round-trips any bytes, also a view into a larger buffer (property test)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(8), (bytes, offset) => {
        const padded = new Uint8Array(bytes.length + offset + 3);
        padded.set(bytes, offset);
        const view = padded.subarray(offset, offset + bytes.length);
        expect(fromBase64(toBase64(view))).toEqual(bytes);
      }),
    );
  });
});

describe('hex', () => {
  it('round-trips and encodes lower case', () => {
    expect(toHex(new Uint8Array([0, 1, 0xab, 0xff]))).toBe('0001abff');
    expect(fromHex('0001abff')).toEqual(new Uint8Array([0, 1, 0xab, 0xff]));
    expect(fromHex('')).toEqual(new Uint8Array());
    expect(toHex(new Uint8Array([9, 8, 7, 6]).subarray(1, 3))).toBe('0807');
  });

  it.each([
    ['upper case', 'ABFF'],
    ['mixed case', 'aBff'],
    ['odd length', 'abc'],
    ['a 0x prefix', '0x00'],
    ['white space', '00 11'],
    ['a non-hex digit', '0g'],
  ])('rejects %s (%j)', (_name, text) => {
    expect(fromHex(text)).toBeUndefined();
  });
});

describe('bytesEqual', () => {
  it('compares length, then every byte', () => {
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0]))).toBe(false);
    expect(bytesEqual(new Uint8Array(), new Uint8Array())).toBe(true);
  });
});

describe('agreement with Node Buffer (the pure-JavaScript codecs run in browsers too)', () => {
  it('toBase64 and toHex write what Buffer writes (property test)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
        expect(toHex(bytes)).toBe(Buffer.from(bytes).toString('hex'));
      }),
    );
  });

  it('fromBase64 accepts exactly the canonical texts and reads them as Buffer does (property test)', () => {
    const base64Character = fc.constantFrom(
      ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ '.split(''),
    );
    fc.assert(
      fc.property(fc.string({ unit: base64Character, maxLength: 24 }), (text) => {
        const decoded = Buffer.from(text, 'base64');
        const canonical = decoded.toString('base64') === text;
        expect(fromBase64(text)).toEqual(canonical ? new Uint8Array(decoded) : undefined);
      }),
    );
  });

  it('fromHex reads what Buffer reads (property test)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        expect(fromHex(Buffer.from(bytes).toString('hex'))).toEqual(bytes);
      }),
    );
  });

  it('utf8ByteLength counts what Buffer.byteLength and TextEncoder count, lone surrogates too (property test)', () => {
    const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: codeUnit }), fc.string({ unit: 'binary' })), (text) => {
        expect(utf8ByteLength(text)).toBe(Buffer.byteLength(text, 'utf8'));
        expect(utf8ByteLength(text)).toBe(utf8(text).length);
      }),
    );
    expect(utf8ByteLength('\ud800')).toBe(3);
    expect(utf8ByteLength('\ud83d\ude00')).toBe(4);
    expect(utf8ByteLength('—')).toBe(3);
  });
});
