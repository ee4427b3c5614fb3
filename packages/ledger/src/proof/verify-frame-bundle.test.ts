import {
  type FrameProofBundle,
  generateKeyPair,
  type KeyPair,
  keyPairSigner,
  type TrustFile,
  toBase64,
} from '@fieldproof/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildFrameBundle, type FrameBundleFixture, fixtureOrigin } from '../../_test/frame-bundle-fixture.ts';
import { formatCheckpoint } from '../checkpoint/format-checkpoint.ts';
import { parseNote } from '../checkpoint/open-note.ts';
import { cosignCheckpoint } from '../witness/cosign-checkpoint.ts';
import {
  type FrameBundleStep,
  frameBundleSteps,
  type VerifyFrameBundleResult,
  verifyFrameBundle,
} from './verify-frame-bundle.ts';

/** Flip the low bit of the first byte of a base64 hash. */
function flipBase64(value: string): string {
  const bytes = Buffer.from(value, 'base64');
  bytes[0] = (bytes[0] as number) ^ 0x01;
  return bytes.toString('base64');
}

/** The result must pass every step before `step`, fail `step` with `code`, and not run the rest. */
function expectFailureAt(result: VerifyFrameBundleResult, step: FrameBundleStep, code: string): void {
  expect(result.ok).toBe(false);
  expect(result.steps.map((entry) => entry.step)).toEqual([...frameBundleSteps]);
  const at = frameBundleSteps.indexOf(step);
  for (const [i, entry] of result.steps.entries()) {
    if (i < at) expect(entry, `step ${entry.step} should pass`).toMatchObject({ ok: true });
    if (i === at) expect(entry).toMatchObject({ step, ok: false, code });
    if (i > at) expect(entry).toMatchObject({ ok: false, code: 'not_run' });
  }
}

type Tamper = (bundle: FrameProofBundle, trust: TrustFile, fixture: FrameBundleFixture) => unknown;

const tampers: [string, FrameBundleStep, string, Tamper][] = [
  ['a missing field', 'schema', 'bundle_malformed', (bundle) => ({ ...bundle, frameId: undefined })],
  ['an extra field', 'schema', 'bundle_malformed', (bundle) => ({ ...bundle, extra: 1 })],
  ['a non-object', 'schema', 'bundle_malformed', () => 'not a bundle'],
  [
    'a changed reading',
    'frame_signature',
    'frame_signature_invalid',
    (bundle) => {
      const reading = bundle.frame.frame.readings[0];
      if (reading) reading.value = 9999;
    },
  ],
  [
    'an unknown device',
    'frame_signature',
    'key_untrusted',
    (_bundle, trust) => {
      trust.devices = {};
    },
  ],
  [
    'a device id that names an Object.prototype member',
    'frame_signature',
    'key_untrusted',
    (bundle) => {
      bundle.frame.frame.deviceId = 'constructor';
    },
  ],
  [
    'a frame signature claiming another algorithm',
    'frame_signature',
    'frame_signature_invalid',
    (bundle) => {
      bundle.frame.alg = bundle.frame.alg === 'sm2' ? 'ed25519' : 'sm2';
    },
  ],
  [
    'a device key from elsewhere',
    'frame_signature',
    'frame_signature_invalid',
    (bundle, trust) => {
      const key = generateKeyPair(bundle.frame.alg);
      trust.devices['scale-01'] = { alg: key.alg, publicKey: toBase64(key.publicKey) };
    },
  ],
  [
    'a wrong frame id',
    'frame_id',
    'frame_id_mismatch',
    (bundle) => {
      bundle.frameId = '0'.repeat(64);
    },
  ],
  [
    'a changed batch count',
    'batch_signature',
    'batch_signature_invalid',
    (bundle) => {
      bundle.batch.header.header.count += 1;
    },
  ],
  [
    'an unknown edge',
    'batch_signature',
    'key_untrusted',
    (_bundle, trust) => {
      trust.edges = {};
    },
  ],
  [
    'a wrong batch leaf index',
    'frame_in_batch',
    'frame_not_in_batch',
    (bundle) => {
      bundle.batch.leafIndex = 3;
    },
  ],
  [
    'a batch leaf index beyond the batch',
    'frame_in_batch',
    'frame_not_in_batch',
    (bundle) => {
      bundle.batch.leafIndex = 5;
    },
  ],
  [
    'an altered batch proof hash',
    'frame_in_batch',
    'frame_not_in_batch',
    (bundle) => {
      bundle.batch.inclusionProof[0] = flipBase64(bundle.batch.inclusionProof[0] as string);
    },
  ],
  [
    'a truncated batch proof',
    'frame_in_batch',
    'frame_not_in_batch',
    (bundle) => void bundle.batch.inclusionProof.pop(),
  ],
  [
    'a batch proof hash of the wrong length',
    'frame_in_batch',
    'frame_not_in_batch',
    (bundle) => {
      bundle.batch.inclusionProof[0] = 'AAAA';
    },
  ],
  [
    'a tampered checkpoint size',
    'checkpoint_signature',
    'checkpoint_signature_invalid',
    (bundle) => {
      bundle.checkpoint = bundle.checkpoint.replace('\n7\n', '\n8\n');
    },
  ],
  [
    'an unknown log',
    'checkpoint_signature',
    'key_untrusted',
    (_bundle, trust) => {
      trust.logs = {};
    },
  ],
  [
    'a log key from elsewhere',
    'checkpoint_signature',
    'checkpoint_key_unknown',
    (_bundle, trust) => {
      const entry = trust.logs[fixtureOrigin];
      if (!entry) throw new Error('fixture has no log');
      entry.publicKey = toBase64(generateKeyPair(entry.alg).publicKey);
    },
  ],
  [
    'an unsigned checkpoint',
    'checkpoint_signature',
    'checkpoint_malformed',
    (bundle) => {
      bundle.checkpoint = bundle.checkpoint.split('\n\n')[0] as string;
    },
  ],
  [
    'a checkpoint of another origin signed by the trusted key',
    'checkpoint_signature',
    'checkpoint_origin_mismatch',
    (bundle, _trust, fixture) => {
      bundle.checkpoint = fixture.signCheckpoint(
        formatCheckpoint({
          origin: 'other.example/log',
          size: fixture.logSize,
          rootHash: fixture.logRoot,
          suite: bundle.suite,
        }),
      );
    },
  ],
  [
    'a checkpoint in the other suite',
    'checkpoint_signature',
    'suite_mismatch',
    (bundle, _trust, fixture) => {
      bundle.checkpoint = fixture.signCheckpoint(
        formatCheckpoint({
          origin: fixtureOrigin,
          size: fixture.logSize,
          rootHash: fixture.logRoot,
          suite: bundle.suite === 'intl' ? 'sm' : 'intl',
        }),
      );
    },
  ],
  [
    'a wrong log leaf index',
    'batch_in_log',
    'batch_not_in_log',
    (bundle) => {
      bundle.log.leafIndex = 5;
    },
  ],
  [
    'a tree size other than the checkpoint size',
    'batch_in_log',
    'batch_not_in_log',
    (bundle) => {
      bundle.log.treeSize = 6;
    },
  ],
  [
    'an altered log proof hash',
    'batch_in_log',
    'batch_not_in_log',
    (bundle) => {
      const last = bundle.log.inclusionProof.length - 1;
      bundle.log.inclusionProof[last] = flipBase64(bundle.log.inclusionProof[last] as string);
    },
  ],
  [
    'a checkpoint over another root',
    'batch_in_log',
    'batch_not_in_log',
    (bundle, _trust, fixture) => {
      const rootHash = new Uint8Array(fixture.logRoot);
      rootHash[31] = (rootHash[31] as number) ^ 0x80;
      bundle.checkpoint = fixture.signCheckpoint(
        formatCheckpoint({ origin: fixtureOrigin, size: fixture.logSize, rootHash, suite: bundle.suite }),
      );
    },
  ],
];

describe.each([
  ['intl', { device: 'ed25519', edge: 'ecdsa-p256', log: 'ed25519' }],
  ['sm', { device: 'sm2', edge: 'sm2', log: 'sm2' }],
  ['intl', { device: 'ecdsa-p256', edge: 'ed25519', log: 'ecdsa-p256' }],
] as const)('verifyFrameBundle, suite %s, keys %o', (suite, algs) => {
  let fixture: FrameBundleFixture;
  beforeAll(async () => {
    fixture = await buildFrameBundle(suite, algs);
  });
  const fresh = (): { bundle: FrameProofBundle; trust: TrustFile } =>
    structuredClone({ bundle: fixture.bundle, trust: fixture.trust });

  it('accepts the untouched bundle, every step passing', () => {
    const result = verifyFrameBundle(fixture.bundle, fixture.trust);
    expect(result.steps.map((entry) => [entry.step, entry.ok])).toEqual(frameBundleSteps.map((step) => [step, true]));
    expect(result.ok).toBe(true);
  });

  it.each(tampers)('rejects %s at step %s with %s', (_case, step, code, tamper) => {
    const { bundle, trust } = fresh();
    const replaced = tamper(bundle, trust, fixture);
    expectFailureAt(verifyFrameBundle(replaced ?? bundle, trust), step, code);
  });

  it('does not change its input', () => {
    const { bundle, trust } = fresh();
    verifyFrameBundle(bundle, trust);
    expect(bundle).toEqual(fixture.bundle);
  });

  describe('an edge-attested frame of a keyless device', () => {
    let attested: FrameBundleFixture;
    beforeAll(async () => {
      attested = await buildFrameBundle(suite, algs, { attestation: 'edge-attested' });
    });
    const freshAttested = () => structuredClone({ bundle: attested.bundle, trust: attested.trust });

    it('verifies with the edge key and reports the attestation', () => {
      const result = verifyFrameBundle(attested.bundle, attested.trust);
      expect(result.ok).toBe(true);
      expect(result.attestation).toBe('edge-attested');
      expect(result.steps[1]?.message).toMatch(
        /^edge-attested: .*keyless device scale-01 is signed by edge edge-warehouse-3/,
      );
      expect(verifyFrameBundle(fixture.bundle, fixture.trust).attestation).toBe('device-signed');
    });

    it('rejects a device that has its own key in the trust file', () => {
      const { bundle, trust } = freshAttested();
      trust.devices['scale-01'] = trust.edges['edge-warehouse-3'] as TrustFile['devices'][string];
      expectFailureAt(verifyFrameBundle(bundle, trust), 'frame_signature', 'frame_attestation_invalid');
    });

    it('rejects an attestation naming another edge than the batch', () => {
      const { bundle, trust } = freshAttested();
      bundle.frame.edgeId = 'edge-other';
      trust.edges['edge-other'] = trust.edges['edge-warehouse-3'] as TrustFile['edges'][string];
      expectFailureAt(verifyFrameBundle(bundle, trust), 'frame_signature', 'frame_attestation_invalid');
    });

    it('rejects a changed reading, and the marker stripped or added', () => {
      const changed = freshAttested();
      const reading = changed.bundle.frame.frame.readings[0];
      if (reading) reading.value = 1;
      expectFailureAt(verifyFrameBundle(changed.bundle, changed.trust), 'frame_signature', 'frame_signature_invalid');

      const stripped = freshAttested();
      delete stripped.bundle.frame.attestation;
      delete stripped.bundle.frame.edgeId;
      expectFailureAt(verifyFrameBundle(stripped.bundle, stripped.trust), 'frame_signature', 'key_untrusted');

      const added = fresh();
      added.bundle.frame.attestation = 'edge-attested';
      added.bundle.frame.edgeId = 'edge-warehouse-3';
      delete added.trust.devices['scale-01'];
      expectFailureAt(verifyFrameBundle(added.bundle, added.trust), 'frame_signature', 'frame_signature_invalid');
    });
  });

  describe('witness policy (3 of 4) and anchor', () => {
    const names = ['bank', 'core-enterprise', 'logistics', 'regulator'] as const;
    const witnessKeys: KeyPair[] = names.map(() => generateKeyPair('ed25519'));
    const cosign = (note: string, index: number, key?: KeyPair): string =>
      cosignCheckpoint(parseNote(note).body, {
        keyName: names[index] as string,
        signer: keyPairSigner(key ?? (witnessKeys[index] as KeyPair)),
        timeSeconds: 1_700_000_000 + index,
      });
    const withPolicy = (trust: TrustFile): TrustFile => ({
      ...trust,
      witnesses: Object.fromEntries(
        names.map((name, i) => [name, { alg: 'ed25519', publicKey: toBase64((witnessKeys[i] as KeyPair).publicKey) }]),
      ),
      witnessThreshold: 3,
    });

    it('passes without a witness policy and says none is set', () => {
      const result = verifyFrameBundle(fixture.bundle, fixture.trust);
      const step = result.steps.find((entry) => entry.step === 'checkpoint_cosignatures');
      expect(step).toMatchObject({ ok: true });
      expect(step?.message).toMatch(/no witness policy/);
    });

    it('accepts a checkpoint cosigned by 3 of 4 witnesses', () => {
      const { bundle, trust } = fresh();
      bundle.checkpoint += [0, 2, 3].map((i) => cosign(bundle.checkpoint, i)).join('');
      const result = verifyFrameBundle(bundle, withPolicy(trust));
      expect(result.steps.filter((entry) => !entry.ok)).toEqual([]);
      expect(result.ok).toBe(true);
      expect(result.steps.find((entry) => entry.step === 'checkpoint_cosignatures')?.message).toMatch(/3 of 4/);
    });

    it('rejects a checkpoint cosigned by 2 of 4 at checkpoint_cosignatures', () => {
      const { bundle, trust } = fresh();
      bundle.checkpoint += [1, 3].map((i) => cosign(bundle.checkpoint, i)).join('');
      expectFailureAt(verifyFrameBundle(bundle, withPolicy(trust)), 'checkpoint_cosignatures', 'checkpoint_not_final');
    });

    it('does not count a forged cosignature or a second line of one witness', () => {
      const { bundle, trust } = fresh();
      const original = bundle.checkpoint;
      // Witness 2's name over a key it does not hold, and witness 0 twice.
      const forged = cosign(original, 2, generateKeyPair('ed25519'));
      bundle.checkpoint += cosign(original, 0) + cosign(original, 1) + forged + cosign(original, 0);
      const result = verifyFrameBundle(bundle, withPolicy(trust));
      expectFailureAt(result, 'checkpoint_cosignatures', 'checkpoint_not_final');
      expect(result.steps.find((entry) => entry.step === 'checkpoint_cosignatures')?.message).toMatch(/has 2 valid/);
    });

    it('rejects a witness policy whose threshold is above the number of witnesses', () => {
      const { bundle, trust } = fresh();
      bundle.checkpoint += [0, 1, 2, 3].map((i) => cosign(bundle.checkpoint, i)).join('');
      const policy = { ...withPolicy(trust), witnessThreshold: 5 };
      expectFailureAt(verifyFrameBundle(bundle, policy), 'checkpoint_cosignatures', 'witness_policy_invalid');
    });

    const anchor = {
      chainId: 31337,
      contract: `0x${'ab'.repeat(20)}`,
      txHash: `0x${'cd'.repeat(32)}`,
      blockNumber: 7,
    };

    it('accepts an anchor of the checkpoint size, saying the chain is not read offline', () => {
      const { bundle, trust } = fresh();
      bundle.anchor = { ...anchor, size: bundle.log.treeSize };
      const result = verifyFrameBundle(bundle, trust);
      expect(result.ok).toBe(true);
      expect(result.steps.find((entry) => entry.step === 'anchor')?.message).toMatch(/--rpc/);
    });

    it('rejects an anchor of another size at anchor', () => {
      const { bundle, trust } = fresh();
      bundle.anchor = { ...anchor, size: bundle.log.treeSize + 1 };
      expectFailureAt(verifyFrameBundle(bundle, trust), 'anchor', 'anchor_size_mismatch');
    });
  });
});
