import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { fromBase64, generateKeyPair, keyPairSigner, toBase64, utf8 } from '@fieldproof/protocol';
import { describe, expect, it } from 'vitest';
import { formatCheckpoint } from '../checkpoint/format-checkpoint.ts';
import { noteKeyId } from '../checkpoint/note-key-id.ts';
import { parseNote } from '../checkpoint/open-note.ts';
import { signNote } from '../checkpoint/sign-note.ts';
import { type Hash, hashLeaf } from '../hash/rfc9162.ts';
import { proveConsistency } from '../proof/prove-consistency.ts';
import { memoryHashReader, merkleRoot, storedHashesFromLeaves } from '../tree/memory-tree.ts';
import { formatAddCheckpointRequest, parseAddCheckpointRequest } from './add-checkpoint-request.ts';
import { collectCosignatures } from './collect-cosignatures.ts';
import { cosignatureKeyId, cosignCheckpoint } from './cosign-checkpoint.ts';
import { verifyCosignature } from './verify-cosignature.ts';
import { type WitnessState, witnessCheckpoint } from './witness-checkpoint.ts';
import { WitnessError } from './witness-error.ts';

const origin = 'log.fieldproof.example/tenant-42';
const logKeyPair = generateKeyPair('ed25519');
const logKey = { origin, keyName: origin, alg: 'ed25519' as const, publicKey: logKeyPair.publicKey };
const leaves = (tag: string, count: number): Hash[] =>
  Array.from({ length: count }, (_, i) => hashLeaf('intl', utf8(`${tag}-${i}`)));
const checkpointOf = (leafHashes: readonly Hash[], keyPair = logKeyPair): string =>
  signNote(
    formatCheckpoint({ origin, size: leafHashes.length, rootHash: merkleRoot('intl', leafHashes), suite: 'intl' }),
    {
      keyName: origin,
      signer: keyPairSigner(keyPair),
    },
  );
const proof = (leafHashes: readonly Hash[], size1: number, size2: number): Promise<Hash[]> =>
  proveConsistency('intl', { size1, size2 }, memoryHashReader(storedHashesFromLeaves('intl', leafHashes)));

function witnessOf(name: string) {
  const keyPair = generateKeyPair('ed25519');
  return {
    key: { keyName: name, publicKey: keyPair.publicKey },
    dependencies: {
      logKey,
      witnessSigner: { keyName: name, signer: keyPairSigner(keyPair) },
      clock: () => 1_700_000_000_500,
    },
  };
}

describe('cosignature/v1 (c2sp.org/tlog-cosignature)', () => {
  const witness = witnessOf('witness.bank.example/w1');
  const body = parseNote(checkpointOf(leaves('a', 5))).body;

  it('signs cosignature/v1, the time line and the body, with the 0x04 key id and a big-endian timestamp', () => {
    const line = cosignCheckpoint(body, {
      keyName: witness.key.keyName,
      signer: witness.dependencies.witnessSigner.signer,
      timeSeconds: 1679315147,
    });
    expect(line.startsWith('— witness.bank.example/w1 ')).toBe(true);
    const bytes = fromBase64(line.slice('— witness.bank.example/w1 '.length, -1)) as Uint8Array;
    expect(bytes.length).toBe(4 + 8 + 64);
    // Recompute every part independently of the code under test, with node:crypto only.
    const keyId = createHash('sha256')
      .update(Buffer.concat([Buffer.from('witness.bank.example/w1\n\x04', 'latin1'), witness.key.publicKey]))
      .digest()
      .subarray(0, 4);
    expect(Buffer.from(bytes.subarray(0, 4)).equals(keyId)).toBe(true);
    expect(Buffer.from(bytes.subarray(4, 12)).readBigUInt64BE()).toBe(1679315147n);
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), witness.key.publicKey]);
    const message = Buffer.from(`cosignature/v1\ntime 1679315147\n${body}`, 'utf8');
    expect(
      nodeVerify(null, message, createPublicKey({ key: spki, format: 'der', type: 'spki' }), bytes.subarray(12)),
    ).toBe(true);
    expect(verifyCosignature({ checkpointBody: body, signature: line, key: witness.key })).toEqual({
      ok: true,
      timeSeconds: 1679315147,
    });
  });

  it('reads the timestamp of the example line of the spec', () => {
    const specBody = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
    const specLine =
      '— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==';
    const [signature] = parseNote(`${specBody}\n${specLine}\n`).signatures;
    expect(signature?.signature.length).toBe(72);
    expect(Buffer.from(signature?.signature.subarray(0, 8) ?? []).readBigUInt64BE()).toBe(1679315147n);
  });

  it('rejects another body, another time, another key and a malformed line', () => {
    const line = cosignCheckpoint(body, {
      keyName: 'w',
      signer: witness.dependencies.witnessSigner.signer,
      timeSeconds: 5,
    });
    const key = { keyName: 'w', publicKey: witness.key.publicKey };
    expect(verifyCosignature({ checkpointBody: body.replace('\n5\n', '\n6\n'), signature: line, key })).toEqual({
      ok: false,
      reason: 'signature_invalid',
    });
    const bytes = fromBase64(line.slice(4, -1)) as Uint8Array;
    bytes[11] = 6;
    expect(verifyCosignature({ checkpointBody: body, signature: `— w ${toBase64(bytes)}`, key }).ok).toBe(false);
    const other = { keyName: 'w', publicKey: generateKeyPair('ed25519').publicKey };
    expect(verifyCosignature({ checkpointBody: body, signature: line, key: other })).toEqual({
      ok: false,
      reason: 'key_mismatch',
    });
    expect(verifyCosignature({ checkpointBody: body, signature: 'not a line', key })).toEqual({
      ok: false,
      reason: 'malformed',
    });
    // The key id uses type 0x04, so it differs from the same key's note signature id (type 0x01).
    expect(toBase64(cosignatureKeyId('w', witness.key.publicKey))).not.toBe(
      toBase64(noteKeyId('w', 'ed25519', witness.key.publicKey)),
    );
  });
});

describe('witnessCheckpoint', () => {
  const all = leaves('main', 9);
  const fork = [...all.slice(0, 4), ...leaves('fork', 5)];

  it('cosigns a growing log and moves its state forward', async () => {
    const witness = witnessOf('w1');
    let state: WitnessState | undefined;
    let previousSize = 0;
    for (const size of [1, 3, 3, 4, 9]) {
      const request = {
        checkpointNote: checkpointOf(all.slice(0, size)),
        consistencyProof: previousSize === 0 ? [] : await proof(all, previousSize, size),
        oldSize: previousSize,
      };
      const result = witnessCheckpoint(state, request, witness.dependencies);
      if (!result.ok) throw new Error(`refused ${result.code}: ${result.message}`);
      const checkpointBody = parseNote(request.checkpointNote).body;
      expect(verifyCosignature({ checkpointBody, signature: result.cosignature, key: witness.key })).toEqual({
        ok: true,
        timeSeconds: 1_700_000_000,
      });
      state = result.newState;
      previousSize = size;
    }
    expect(state?.size).toBe(9);
  });

  it('refuses a split view, a shrinking log, an inconsistent proof and a bad signature, with evidence for the first three', async () => {
    const witness = witnessOf('w1');
    const first = witnessCheckpoint(
      undefined,
      { checkpointNote: checkpointOf(all.slice(0, 6)), consistencyProof: [], oldSize: 0 },
      witness.dependencies,
    );
    if (!first.ok) throw new Error(first.message);
    const state = first.newState;

    const splitView = witnessCheckpoint(
      state,
      { checkpointNote: checkpointOf(fork.slice(0, 6)), consistencyProof: [], oldSize: 6 },
      witness.dependencies,
    );
    expect(splitView).toMatchObject({ ok: false, code: 'witness_split_view', status: 409, size: 6 });
    expect(!splitView.ok && splitView.evidence?.previousCheckpointNote).toBe(state.checkpointNote);

    const shrank = witnessCheckpoint(
      state,
      { checkpointNote: checkpointOf(all.slice(0, 5)), consistencyProof: [], oldSize: 5 },
      witness.dependencies,
    );
    expect(shrank).toMatchObject({ ok: false, code: 'witness_log_shrank', status: 409 });
    expect(!shrank.ok && shrank.evidence?.code).toBe('witness_log_shrank');

    const forkProof = await proof(fork, 6, 9);
    const inconsistent = witnessCheckpoint(
      state,
      { checkpointNote: checkpointOf(fork), consistencyProof: forkProof, oldSize: 6 },
      witness.dependencies,
    );
    expect(inconsistent).toMatchObject({ ok: false, code: 'witness_inconsistent', status: 422 });
    expect(!inconsistent.ok && inconsistent.evidence?.consistencyProof).toEqual(
      forkProof.map((hash) => toBase64(hash)),
    );

    const forged = witnessCheckpoint(
      state,
      {
        checkpointNote: checkpointOf(all, generateKeyPair('ed25519')),
        consistencyProof: await proof(all, 6, 9),
        oldSize: 6,
      },
      witness.dependencies,
    );
    expect(forged).toMatchObject({ ok: false, code: 'witness_signature_invalid', status: 403 });
    expect(!forged.ok && forged.evidence).toBeUndefined();

    const tampered = checkpointOf(all).replace(`\n9\n`, '\n8\n');
    expect(
      witnessCheckpoint(state, { checkpointNote: tampered, consistencyProof: [], oldSize: 6 }, witness.dependencies),
    ).toMatchObject({
      code: 'witness_signature_invalid',
    });
  });

  it('answers a stale old size with a conflict and the size it cosigned, and checks the request', async () => {
    const witness = witnessOf('w1');
    const first = witnessCheckpoint(
      undefined,
      { checkpointNote: checkpointOf(all.slice(0, 4)), consistencyProof: [], oldSize: 0 },
      witness.dependencies,
    );
    if (!first.ok) throw new Error(first.message);
    const conflict = witnessCheckpoint(
      first.newState,
      { checkpointNote: checkpointOf(all), consistencyProof: await proof(all, 2, 9), oldSize: 2 },
      witness.dependencies,
    );
    expect(conflict).toMatchObject({ ok: false, code: 'witness_conflict', status: 409, size: 4 });
    expect(!conflict.ok && conflict.evidence).toBeUndefined();
    expect(
      witnessCheckpoint(
        undefined,
        { checkpointNote: checkpointOf(all), consistencyProof: [all[0] as Hash], oldSize: 0 },
        witness.dependencies,
      ),
    ).toMatchObject({
      code: 'witness_request_invalid',
    });
    const otherLog = { ...witness.dependencies, logKey: { ...logKey, origin: 'another.example/log' } };
    expect(
      witnessCheckpoint(undefined, { checkpointNote: checkpointOf(all), consistencyProof: [], oldSize: 0 }, otherLog),
    ).toMatchObject({
      code: 'witness_origin_unknown',
      status: 404,
    });
  });
});

describe('add-checkpoint request bodies', () => {
  it('round-trips and rejects malformed bodies', async () => {
    const all = leaves('r', 7);
    const request = { oldSize: 3, consistencyProof: await proof(all, 3, 7), checkpointNote: checkpointOf(all) };
    const text = formatAddCheckpointRequest(request);
    expect(text.startsWith('old 3\n')).toBe(true);
    expect(parseAddCheckpointRequest(text)).toEqual(request);
    for (const bad of ['old 03\n\nx', 'old 3\nnot-base64\n\nx', 'new 3\n\nx', 'old 3\n']) {
      expect(() => parseAddCheckpointRequest(bad)).toThrow(WitnessError);
    }
  });
});

describe('collectCosignatures: k of n', () => {
  it('is final with k distinct valid cosignatures and not with fewer', () => {
    const witnesses = ['bank', 'core', 'logistics', 'regulator'].map((name) => witnessOf(`witness.${name}.example/w`));
    const note = checkpointOf(leaves('k', 3));
    const lines = witnesses.map((witness) => {
      const result = witnessCheckpoint(
        undefined,
        { checkpointNote: note, consistencyProof: [], oldSize: 0 },
        witness.dependencies,
      );
      if (!result.ok) throw new Error(result.message);
      return result.cosignature;
    });
    const policy = { logKey, witnesses: witnesses.map((witness) => witness.key), threshold: 3 };
    const three = collectCosignatures({ ...policy, checkpointNote: note, cosignatures: lines.slice(0, 3) });
    expect(three.final).toBe(true);
    expect(three.cosigned.map((entry) => entry.keyName)).toEqual(
      witnesses.slice(0, 3).map((witness) => witness.key.keyName),
    );
    // The assembled note is itself final, and a repeated line counts once.
    expect(collectCosignatures({ ...policy, checkpointNote: three.note }).final).toBe(true);
    const two = collectCosignatures({
      ...policy,
      checkpointNote: note,
      cosignatures: [lines[0] as string, lines[0] as string, lines[1] as string],
    });
    expect(two.final).toBe(false);
    expect(two.cosigned.length).toBe(2);
    // A line from outside the policy is ignored; a bad line of a policy witness is reported.
    const outsider = witnessOf('witness.outsider.example/w');
    const outsiderLine = cosignCheckpoint(parseNote(note).body, {
      keyName: outsider.key.keyName,
      signer: outsider.dependencies.witnessSigner.signer,
      timeSeconds: 1,
    });
    const broken = (lines[2] as string).replace(/.{6}\n$/, 'AAAAAA\n');
    const mixed = collectCosignatures({
      ...policy,
      checkpointNote: note,
      cosignatures: [lines[0] as string, lines[1] as string, outsiderLine, broken],
    });
    expect(mixed.final).toBe(false);
    expect(mixed.rejected).toEqual([{ keyName: witnesses[2]?.key.keyName, reason: 'signature_invalid' }]);
    expect(() => collectCosignatures({ ...policy, threshold: 5, checkpointNote: note })).toThrow(WitnessError);
    const duplicateKey = [
      ...policy.witnesses.slice(0, 3),
      { keyName: 'copy', publicKey: policy.witnesses[0]?.publicKey as Uint8Array },
    ];
    expect(() => collectCosignatures({ ...policy, witnesses: duplicateKey, checkpointNote: note })).toThrow(
      WitnessError,
    );
  });
});
