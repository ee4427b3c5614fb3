import { generateKeyPair, keyPairSigner, suiteHash, utf8 } from '@fieldproof/protocol';
import { describe, expect, it } from 'vitest';
import { formatCheckpoint } from '../checkpoint/format-checkpoint.ts';
import { signNote } from '../checkpoint/sign-note.ts';
import { CheckpointError } from '../errors.ts';
import { hashCheckpointBody } from './hash-checkpoint-body.ts';

describe('hashCheckpointBody', () => {
  const rootHash = suiteHash('intl', utf8('root'));

  it('hashes the checkpoint body with the suite hash, whatever signatures the note carries', () => {
    for (const suite of ['intl', 'sm'] as const) {
      const body = formatCheckpoint({ origin: 'example.test/log', size: 7, rootHash, suite });
      const note = signNote(body, { keyName: 'example.test/log', signer: keyPairSigner(generateKeyPair('ed25519')) });
      const cosigned = signNote(body, { keyName: 'witness.test', signer: keyPairSigner(generateKeyPair('ed25519')) });
      const both = `${note}${cosigned.slice(body.length + 1)}`;
      expect(hashCheckpointBody(suite, note)).toEqual(suiteHash(suite, utf8(body)));
      expect(hashCheckpointBody(suite, both)).toEqual(hashCheckpointBody(suite, note));
    }
    const body = formatCheckpoint({ origin: 'example.test/log', size: 7, rootHash, suite: 'intl' });
    const note = signNote(body, { keyName: 'example.test/log', signer: keyPairSigner(generateKeyPair('ed25519')) });
    expect(hashCheckpointBody('intl', note)).not.toEqual(hashCheckpointBody('sm', note));
  });

  it('refuses text that is not a signed note', () => {
    expect(() => hashCheckpointBody('intl', 'example.test/log\n7\n')).toThrow(CheckpointError);
  });
});
