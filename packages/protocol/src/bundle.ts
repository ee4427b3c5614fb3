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
    /** The C2SP signed-note checkpoint text, signatures included. */
    checkpoint: z.string().min(1),
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
    /** Device keys by device id. */
    devices: z.record(IdSchema, TrustedKeySchema),
  })
  .strict();
export type TrustFile = z.infer<typeof TrustFileSchema>;
export type TrustedKey = z.infer<typeof TrustedKeySchema>;
