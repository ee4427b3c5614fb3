import * as z from 'zod';
import {
  Base64Schema,
  CryptoSuiteNameSchema,
  HashHexSchema,
  IdSchema,
  SignatureAlgorithmSchema,
  SignedFrameSchema,
} from './frame.ts';

/** The hash an edge's first batch names as its previous batch. */
export const GENESIS_BATCH_HASH = '0'.repeat(64);

/** What an edge signs for each batch: the Merkle root of its frames, chained to the previous batch. */
export const BatchHeaderSchema = z
  .object({
    /** The edge that verified and batched the frames. */
    edgeId: IdSchema,
    /** 0 for the edge's first batch, then +1 each batch. */
    batchSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    /** Hex suite hash of the canonical bytes of the previous signed batch header; zeros for the first. */
    previousBatchHash: HashHexSchema,
    /** Base64 RFC 9162 Merkle tree hash over the canonical bytes of each signed frame, in order. */
    root: Base64Schema,
    /** Number of frames (leaves) under `root`. */
    count: z.number().int().min(1).max(1_000_000),
    /** Smallest deviceTimeMs in the batch. */
    firstTimeMs: z.number().int().min(0),
    /** Largest deviceTimeMs in the batch. */
    lastTimeMs: z.number().int().min(0),
    /** Hash suite of `root` and `previousBatchHash`. */
    suite: CryptoSuiteNameSchema,
  })
  .strict();
export type BatchHeader = z.infer<typeof BatchHeaderSchema>;

/** A batch header with the edge's signature over its canonical bytes. */
export const SignedBatchHeaderSchema = z
  .object({
    /** The signed header. */
    header: BatchHeaderSchema,
    /** Signature algorithm of the edge key. */
    alg: SignatureAlgorithmSchema,
    /** Signature over the RFC 8785 canonical bytes of `header`, base64. */
    sig: Base64Schema,
  })
  .strict();
export type SignedBatchHeader = z.infer<typeof SignedBatchHeaderSchema>;

/** The body an edge POSTs to `/v1/ingest/batches`. */
export const BatchUploadSchema = z
  .object({
    /** The signed header. */
    batch: SignedBatchHeaderSchema,
    /** The frames under the header's root, in leaf order. */
    frames: z.array(SignedFrameSchema).min(1),
  })
  .strict();
export type BatchUpload = z.infer<typeof BatchUploadSchema>;

/** What the log stores as a leaf for an accepted batch (its canonical bytes are the leaf data). */
export interface BatchLogEntry {
  /** Entry type tag: later issues add decision entries beside batches. */
  kind: 'batch';
  /** The edge-signed header, signature included. */
  batch: SignedBatchHeader;
}
