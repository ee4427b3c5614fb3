import {
  fromBase64,
  generateKeyPair,
  type KeyPair,
  keyPairSigner,
  type SignatureAlgorithm,
  toHex,
  utf8,
} from '@fieldproof/protocol';
import { describe, expect, it } from 'vitest';
import { CheckpointError } from '../errors.ts';
import { hashLeaf } from '../hash/rfc9162.ts';
import { formatCheckpoint } from './format-checkpoint.ts';
import { noteKeyId } from './note-key-id.ts';
import { openCheckpoint } from './open-checkpoint.ts';
import { openNote, parseNote } from './open-note.ts';
import { signNote } from './sign-note.ts';

/** Strip the algorithm byte of a golang.org/x/mod/sumdb/note key encoding. */
function goNoteKey(base64: string): Uint8Array {
  const decoded = fromBase64(base64);
  if (decoded?.[0] !== 0x01) throw new Error('not an Ed25519 note key');
  return decoded.slice(1);
}

// golang.org/x/mod sumdb/note/note_test.go: TestSign, TestOpen.
const peter = {
  keyName: 'PeterNeumann',
  publicKey: goNoteKey('ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'),
  seed: goNoteKey('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'),
};
const enoch = { keyName: 'EnochRoot', publicKey: goNoteKey('ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop') };
const goText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const peterSig =
  '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const enochSig =
  '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
const peterKey = { keyName: peter.keyName, alg: 'ed25519' as const, publicKey: peter.publicKey };

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof CheckpointError) return error.code;
    throw error;
  }
  return undefined;
}

describe('signed notes: golang.org/x/mod/sumdb/note vectors', () => {
  it('derives the Ed25519 key id c74f20a3', () => {
    expect(toHex(noteKeyId(peter.keyName, 'ed25519', peter.publicKey))).toBe('c74f20a3');
    expect(toHex(noteKeyId(enoch.keyName, 'ed25519', enoch.publicKey))).toBe('af0cfe78');
  });

  it('signs exactly as the Go implementation does', () => {
    const signer = keyPairSigner({ alg: 'ed25519', publicKey: peter.publicKey, privateKey: peter.seed });
    expect(signNote(goText, { keyName: peter.keyName, signer })).toBe(`${goText}\n${peterSig}`);
  });

  it('opens with either key and ignores the other signature', () => {
    const note = `${goText}\n${peterSig}${enochSig}`;
    expect(openNote(note, peterKey).body).toBe(goText);
    expect(openNote(note, { keyName: enoch.keyName, alg: 'ed25519', publicKey: enoch.publicKey }).body).toBe(goText);
    expect(parseNote(note).signatures.map((line) => line.keyName)).toEqual(['PeterNeumann', 'EnochRoot']);
  });

  it('rejects a bad signature from the trusted key', () => {
    const bad = `${goText}\n${peterSig.slice(0, 60)}ABCD${peterSig.slice(60)}`;
    expect(codeOf(() => openNote(bad, peterKey))).toBe('checkpoint_signature_invalid');
  });

  it('reports a note without the trusted key as key unknown', () => {
    expect(codeOf(() => openNote(`${goText}\n${enochSig}`, peterKey))).toBe('checkpoint_key_unknown');
    // Same name, other key: the key id differs, so the signature is not the trusted key's.
    const other = { ...peterKey, publicKey: enoch.publicKey };
    expect(codeOf(() => openNote(`${goText}\n${peterSig}`, other))).toBe('checkpoint_key_unknown');
  });

  it.each([
    ['no signatures', goText],
    ['a blank line and nothing else', `${goText}\n`],
    ['no final newline', `${goText}\n${peterSig.slice(0, -1)}`],
    ['a control character', `\u0001${goText}\n${peterSig}`],
    ['a lone surrogate', `\ud800${goText}\n${peterSig}`],
    [
      'a key name with a space',
      `${goText}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
    ],
    ['a line after the signatures', `${goText}\n${peterSig}Unexpected line.\n`],
    ['too many signatures', `${goText}\n${peterSig.repeat(101)}`],
    ['a signature too short for a key id', `${goText}\n— PeterNeumann AAAA\n`],
  ])('rejects a note with %s as malformed', (_case, note) => {
    expect(codeOf(() => openNote(note, peterKey))).toBe('checkpoint_malformed');
  });
});

const keyPairs: Record<SignatureAlgorithm, KeyPair> = {
  ed25519: generateKeyPair('ed25519'),
  'ecdsa-p256': generateKeyPair('ecdsa-p256'),
  sm2: generateKeyPair('sm2'),
};
const origin = 'log.fieldproof.example/tenant-42';
const rootHash = hashLeaf('intl', utf8('root'));

describe('checkpoints', () => {
  it('formats the C2SP body with the suite extension line', () => {
    const body = formatCheckpoint({ origin, size: 20852163, rootHash, suite: 'sm', extensions: ['note one'] });
    expect(body).toBe(
      `${origin}\n20852163\n${Buffer.from(rootHash).toString('base64')}\nfieldproof-suite sm\nnote one\n`,
    );
  });

  it.each(['ed25519', 'ecdsa-p256', 'sm2'] as const)('round-trips with an %s log key in both suites', (alg) => {
    const keyPair = keyPairs[alg];
    for (const suite of ['intl', 'sm'] as const) {
      for (const size of [0, 1, 7, Number.MAX_SAFE_INTEGER]) {
        const body = formatCheckpoint({ origin, size, rootHash, suite, extensions: ['x-extra one'] });
        const note = signNote(body, { keyName: origin, signer: keyPairSigner(keyPair) });
        const opened = openCheckpoint(note, { keyName: origin, alg, publicKey: keyPair.publicKey });
        expect(opened).toEqual({ origin, size, rootHash, suite, extensions: ['x-extra one'] });
      }
    }
  });

  it('uses distinct key ids per algorithm (type 0x01 for Ed25519, 0xff plus an identifier otherwise)', () => {
    const ids = (['ed25519', 'ecdsa-p256', 'sm2'] as const).map((alg) =>
      toHex(noteKeyId(origin, alg, keyPairs[alg].publicKey)),
    );
    expect(new Set(ids).size).toBe(3);
    const samePoint = keyPairs['ecdsa-p256'].publicKey;
    expect(toHex(noteKeyId(origin, 'ecdsa-p256', samePoint))).not.toBe(toHex(noteKeyId(origin, 'sm2', samePoint)));
  });

  const keyPair = keyPairs.ed25519;
  const key = { keyName: origin, alg: 'ed25519' as const, publicKey: keyPair.publicKey };
  const sign = (body: string): string => signNote(body, { keyName: origin, signer: keyPairSigner(keyPair) });
  const note = sign(formatCheckpoint({ origin, size: 12, rootHash, suite: 'intl' }));

  it('ignores unknown signatures such as witness cosignatures', () => {
    const cosigned = `${note}— witness.example/w1 ${Buffer.from(new Uint8Array(72).fill(7)).toString('base64')}\n`;
    expect(openCheckpoint(cosigned, key).size).toBe(12);
  });

  it('rejects a tampered body, a wrong key and a missing signature', () => {
    expect(codeOf(() => openCheckpoint(note.replace('\n12\n', '\n13\n'), key))).toBe('checkpoint_signature_invalid');
    const other = generateKeyPair('ed25519');
    expect(codeOf(() => openCheckpoint(note, { ...key, publicKey: other.publicKey }))).toBe('checkpoint_key_unknown');
    expect(codeOf(() => openCheckpoint(note, { ...key, keyName: 'another.example/log' }))).toBe(
      'checkpoint_key_unknown',
    );
    expect(codeOf(() => openCheckpoint(note.split('\n\n')[0] as string, key))).toBe('checkpoint_malformed');
  });

  it.each([
    ['no suite line', `${origin}\n12\n${Buffer.from(rootHash).toString('base64')}\n`],
    [
      'two suite lines',
      `${origin}\n12\n${Buffer.from(rootHash).toString('base64')}\nfieldproof-suite intl\nfieldproof-suite sm\n`,
    ],
    ['an unknown suite', `${origin}\n12\n${Buffer.from(rootHash).toString('base64')}\nfieldproof-suite md5\n`],
    [
      'a size with a leading zero',
      `${origin}\n012\n${Buffer.from(rootHash).toString('base64')}\nfieldproof-suite intl\n`,
    ],
    ['a negative size', `${origin}\n-1\n${Buffer.from(rootHash).toString('base64')}\nfieldproof-suite intl\n`],
    [
      'a size beyond 2^53',
      `${origin}\n9007199254740993\n${Buffer.from(rootHash).toString('base64')}\nfieldproof-suite intl\n`,
    ],
    ['a short root', `${origin}\n12\n${Buffer.from(rootHash.slice(1)).toString('base64')}\nfieldproof-suite intl\n`],
    [
      'unpadded base64',
      `${origin}\n12\n${Buffer.from(rootHash).toString('base64').replace('=', '')}\nfieldproof-suite intl\n`,
    ],
    ['two lines only', `${origin}\n12\n`],
  ])('rejects a signed checkpoint with %s as malformed', (_case, body) => {
    expect(codeOf(() => openCheckpoint(sign(body), key))).toBe('checkpoint_malformed');
  });

  it('refuses to format what it could not open', () => {
    expect(codeOf(() => formatCheckpoint({ origin: '', size: 1, rootHash, suite: 'intl' }))).toBe(
      'checkpoint_malformed',
    );
    expect(codeOf(() => formatCheckpoint({ origin: 'a\nb', size: 1, rootHash, suite: 'intl' }))).toBe(
      'checkpoint_malformed',
    );
    expect(codeOf(() => formatCheckpoint({ origin, size: -1, rootHash, suite: 'intl' }))).toBe('checkpoint_malformed');
    expect(codeOf(() => formatCheckpoint({ origin, size: 1, rootHash: new Uint8Array(3), suite: 'intl' }))).toBe(
      'checkpoint_malformed',
    );
    expect(
      codeOf(() => formatCheckpoint({ origin, size: 1, rootHash, suite: 'intl', extensions: ['fieldproof-suite sm'] })),
    ).toBe('checkpoint_malformed');
    expect(codeOf(() => formatCheckpoint({ origin, size: 1, rootHash, suite: 'intl', extensions: [''] }))).toBe(
      'checkpoint_malformed',
    );
    expect(codeOf(() => signNote('no newline', { keyName: origin, signer: keyPairSigner(keyPair) }))).toBe(
      'checkpoint_malformed',
    );
    expect(codeOf(() => signNote('text\n', { keyName: 'a+b', signer: keyPairSigner(keyPair) }))).toBe(
      'checkpoint_malformed',
    );
  });
});
