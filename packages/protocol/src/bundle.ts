import * as z from 'zod';
import { SignedBatchHeaderSchema } from './batch.ts';
import {
  Base64Schema,
  CryptoSuiteNameSchema,
  HashHexSchema,
  IdSchema,
  SignatureAlgorithmSchema,
  SignedFrameSchema,
} from './frame.ts';

/**
 * Everything needed to check one frame offline: the signed frame, the signed batch header and the
 * frame's inclusion in that batch, the batch's inclusion in the log and the signed checkpoint.
 */
export const FrameProofBundleSchema = z
  .object({
    /** Bundle format version. */
    v: z.literal(1),
    /** What the bundle proves. */
    type: z.literal('frame'),
    /** Hash suite of every tree in the bundle. */
    suite: CryptoSuiteNameSchema,
    /** Frame id: hex RFC 9162 leaf hash of the canonical signed frame. */
    frameId: HashHexSchema,
    /** The device-signed frame. */
    frame: SignedFrameSchema,
    /**
     * The device key the cloud verified the frame with (docs/identity-lifecycle.md): after a key
     * rotation, the key valid at the frame's deviceTimeMs. Informative: a verifier checks it against
     * its trust file, never trusts it on its own. Absent for an edge-attested frame.
     */
    deviceKey: z
      .object({
        /** Signature algorithm of the key. */
        alg: SignatureAlgorithmSchema,
        /** Raw public key, base64. */
        publicKey: Base64Schema,
        /** First device time the key signs; absent for the key the device was registered with. */
        fromDeviceTimeMs: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
    /** The frame's place in its batch. */
    batch: z
      .object({
        /** The edge-signed batch header. */
        header: SignedBatchHeaderSchema,
        /** The frame's leaf index in the batch tree. */
        leafIndex: z.number().int().min(0),
        /** RFC 9162 inclusion proof (base64 hashes, bottom up) against header.root. */
        inclusionProof: z.array(Base64Schema),
      })
      .strict(),
    /** The batch's place in the log. */
    log: z
      .object({
        /** The log's origin line (from the checkpoint). */
        origin: z.string().min(1),
        /** The batch entry's leaf index in the log. */
        leafIndex: z.number().int().min(0),
        /** The tree size the proof is against (the checkpoint's size). */
        treeSize: z.number().int().min(1),
        /** RFC 9162 inclusion proof (base64 hashes, bottom up) against the checkpoint root. */
        inclusionProof: z.array(Base64Schema),
      })
      .strict(),
    /** The C2SP signed-note checkpoint text, signatures included (the log's, then witnesses' cosignatures). */
    checkpoint: z.string().min(1),
    /** Where the checkpoint was anchored on an EVM chain, when it was; absent otherwise. */
    anchor: z
      .object({
        /** The chain's id. */
        chainId: z.number().int().positive(),
        /** The anchoring contract's address, 0x-hex. */
        contract: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
        /** The anchoring transaction's hash, 0x-hex. */
        txHash: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
        /** The block that holds the transaction. */
        blockNumber: z.number().int().min(0),
        /** The checkpoint size anchored; equals the checkpoint's size. */
        size: z.number().int().min(1),
      })
      .strict()
      .optional(),
  })
  .strict();
export type FrameProofBundle = z.infer<typeof FrameProofBundleSchema>;

const TrustedKeySchema = z
  .object({
    /** Signature algorithm of the key. */
    alg: SignatureAlgorithmSchema,
    /** Raw public key, base64. */
    publicKey: Base64Schema,
  })
  .strict();

/** Public keys a verifier trusts. Obtained out of band (the operator, a registry, a regulator). */
export const TrustFileSchema = z
  .object({
    /** Trust file format version. */
    v: z.literal(1),
    /** Logs by origin: the checkpoint signer's key name and key. */
    logs: z.record(
      z.string(),
      z.object({ keyName: z.string().min(1), alg: SignatureAlgorithmSchema, publicKey: Base64Schema }).strict(),
    ),
    /** Edge keys by edge id. */
    edges: z.record(IdSchema, TrustedKeySchema),
    /**
     * An edge's key history after a rotation (docs/edge-operations.md): each key with the first
     * batch seq it signs. When an edge is listed here, the key for a batch is the entry with the
     * largest fromBatchSeq at or below the batch's seq (`edges` is then not used for it).
     */
    edgeKeys: z
      .record(
        IdSchema,
        z
          .array(
            z
              .object({ alg: SignatureAlgorithmSchema, publicKey: Base64Schema, fromBatchSeq: z.number().int().min(0) })
              .strict(),
          )
          .min(1)
          .max(1_000),
      )
      .optional(),
    /** Device keys by device id. */
    devices: z.record(IdSchema, TrustedKeySchema),
    /**
     * A device's key history after a rotation (docs/identity-lifecycle.md): each key with the first
     * device time it signs. When a device is listed here, the key for a frame is the entry with the
     * largest fromDeviceTimeMs at or below the frame's deviceTimeMs (`devices` is then not used for it).
     */
    deviceKeys: z
      .record(
        IdSchema,
        z
          .array(
            z
              .object({
                alg: SignatureAlgorithmSchema,
                publicKey: Base64Schema,
                fromDeviceTimeMs: z.number().int().min(0),
              })
              .strict(),
          )
          .min(1)
          .max(1_000),
      )
      .optional(),
    /** Witnesses whose cosignatures (c2sp.org/tlog-cosignature, Ed25519) make a checkpoint final, by key name. */
    witnesses: z
      .record(
        z.string().min(1),
        z
          .object({
            /** cosignature/v1 keys are Ed25519. */
            alg: z.literal('ed25519'),
            /** Raw 32-byte public key, base64. */
            publicKey: Base64Schema,
          })
          .strict(),
      )
      .optional(),
    /** k: how many of the witnesses must have cosigned a checkpoint; all of them when absent. */
    witnessThreshold: z.number().int().min(1).optional(),
  })
  .strict();
export type TrustFile = z.infer<typeof TrustFileSchema>;
export type TrustedKey = z.infer<typeof TrustedKeySchema>;
