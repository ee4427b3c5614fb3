import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  edgeKeyId,
  generateKeyPair,
  type KeyPair,
  keyPairSigner,
  loadOrCreateKeyPair,
  type SignatureAlgorithm,
  type Signer,
} from '@fieldproof/protocol';
import { z } from 'zod';

const KeyRingStateSchema = z
  .object({
    /** Keys in force, each from its first batch seq (the first from 0). */
    keys: z.array(z.object({ file: z.string(), keyId: z.string(), fromBatchSeq: z.number().int().min(0) }).strict()),
    /** A key requested from the cloud and not yet approved. */
    pending: z.object({ file: z.string(), keyId: z.string() }).strict().nullable(),
  })
  .strict();
type KeyRingState = z.infer<typeof KeyRingStateSchema>;

/** A key of the edge and the first batch seq it signs. */
export interface EdgeKey {
  keyId: string;
  fromBatchSeq: number;
  signer: Signer;
}

/**
 * The edge's keys across rotations (docs/edge-operations.md), kept in `<dataDir>`: the first key
 * in `edge-key.json` (made on first start), later ones in `edge-key-<keyId>.json`, and which key
 * signs from which batch seq in `edge-keys.json` (written atomically). Batches are signed with
 * the key for their seq; frames are attested and requests signed with the key for the next batch.
 */
export function openEdgeKeyRing(dataDir: string, alg: SignatureAlgorithm, nextBatchSeq: () => number) {
  const statePath = join(dataDir, 'edge-keys.json');
  const first = loadOrCreateKeyPair(join(dataDir, 'edge-key.json'), alg);
  let state: KeyRingState = existsSync(statePath)
    ? KeyRingStateSchema.parse(JSON.parse(readFileSync(statePath, 'utf8')))
    : { keys: [{ file: 'edge-key.json', keyId: edgeKeyId(first.publicKey), fromBatchSeq: 0 }], pending: null };
  const load = (file: string): KeyPair => loadOrCreateKeyPair(join(dataDir, file), alg);
  let keys: EdgeKey[] = [];
  const reload = () => {
    keys = state.keys
      .map((entry) => ({
        keyId: entry.keyId,
        fromBatchSeq: entry.fromBatchSeq,
        signer: keyPairSigner(load(entry.file)),
      }))
      .sort((a, b) => a.fromBatchSeq - b.fromBatchSeq);
  };
  const save = () => {
    const temporary = `${statePath}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(state)}\n`, { mode: 0o600 });
    renameSync(temporary, statePath);
  };
  reload();
  const indexFor = (batchSeq: number): number => {
    let found = 0;
    keys.forEach((key, index) => {
      if (key.fromBatchSeq <= batchSeq) found = index;
    });
    return found;
  };
  const current = (): EdgeKey => keys[indexFor(nextBatchSeq())] as EdgeKey;
  return {
    /** The key that signs batch `batchSeq`. */
    signerFor(batchSeq: number): Signer {
      return (keys[indexFor(batchSeq)] as EdgeKey).signer;
    },
    /** The key in use now (the next batch's): attestations and signed requests. */
    current,
    /** The key before the current one, if a rotation happened (an attestation made just before the switch). */
    previous(): EdgeKey | undefined {
      const index = indexFor(nextBatchSeq());
      return index > 0 ? keys[index - 1] : undefined;
    },
    /** A signer that always signs with the current key. */
    currentSigner(): Signer {
      return {
        get alg() {
          return current().signer.alg;
        },
        get publicKey() {
          return current().signer.publicKey;
        },
        sign: (message: Uint8Array) => current().signer.sign(message),
      };
    },
    /** The key waiting for the cloud's approval, if any. */
    pending(): { keyId: string; signer: Signer } | undefined {
      return state.pending
        ? { keyId: state.pending.keyId, signer: keyPairSigner(load(state.pending.file)) }
        : undefined;
    },
    /** Make a new key and keep it as pending (replacing a pending one). */
    createPending(): { keyId: string; signer: Signer } {
      const keyPair = generateKeyPair(alg);
      const keyId = edgeKeyId(keyPair.publicKey);
      const file = `edge-key-${keyId}.json`;
      const path = join(dataDir, file);
      writeFileSync(
        path,
        `${JSON.stringify({ alg, publicKey: Buffer.from(keyPair.publicKey).toString('base64'), privateKey: Buffer.from(keyPair.privateKey).toString('base64') })}\n`,
        { mode: 0o600 },
      );
      state = { ...state, pending: { file, keyId } };
      save();
      return { keyId, signer: keyPairSigner(keyPair) };
    },
    /** The cloud approved the pending key `keyId` from `fromBatchSeq` on: it joins the ring. */
    activate(keyId: string, fromBatchSeq: number): boolean {
      if (!state.pending || state.pending.keyId !== keyId) return false;
      state = { keys: [...state.keys, { file: state.pending.file, keyId, fromBatchSeq }], pending: null };
      save();
      reload();
      return true;
    },
    /** Every key in force, by first batch seq. */
    keys: () => [...keys],
  };
}

/** The edge's key ring. */
export type EdgeKeyRing = ReturnType<typeof openEdgeKeyRing>;
