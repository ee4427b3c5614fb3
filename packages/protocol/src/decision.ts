import * as z from 'zod';
import { FrameProofBundleSchema } from './bundle.ts';
import { CryptoSuiteNameSchema, HashHexSchema, IdSchema } from './frame.ts';

/** Largest canonical decision record, in bytes. */
export const decisionBytesMax = 65_536;

/** What a decision rests on: a frame, another decision, or a document by its hash. */
export const DecisionInputSchema = z
  .object({
    /** What kind of thing the input is. */
    kind: z.enum(['frame', 'decision', 'document']),
    /** Its id: a frame id (hex leaf hash), a decision id, or a document's hex SHA-256. */
    id: z.string().min(1).max(128),
  })
  .strict();

/**
 * A finance decision recorded in the log: a consent granted or revoked, a pledge, a loan
 * approval, a release order. Its RFC 8785 canonical form, wrapped as `{kind: 'decision', decision}`,
 * is the log leaf, so anyone can later show what was decided, by whom, when and on which facts.
 */
export const DecisionSchema = z
  .object({
    /** Caller-supplied id; appending the same decision again is idempotent. */
    decisionId: IdSchema,
    /** What was decided, dotted: `consent.granted`, `consent.revoked`, `pledge.created`, `loan.approved`, `release.ordered`, … */
    type: z.string().regex(/^[a-z][a-z_]*(\.[a-z][a-z_]*)+$/, 'a dotted lower-case type such as loan.approved'),
    /** The organisation on whose authority it was decided. */
    organisationId: IdSchema,
    /** The person (or service) who decided. */
    actorId: IdSchema,
    /** When it was decided, UTC ms. */
    decidedAtMs: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    /** What it is about: a loan, a pledge, a consent grant, by id. */
    subjectId: IdSchema,
    /** The facts it rests on (each provable by its own bundle). */
    inputs: z.array(DecisionInputSchema).max(1_000),
    /** Decision-specific fields (amounts as decimal strings of minor units, never floats). */
    details: z.record(z.string(), z.union([z.string().max(4096), z.number().int(), z.boolean(), z.null()])),
  })
  .strict();
export type Decision = z.infer<typeof DecisionSchema>;

/** The log entry of a decision (its canonical bytes are the leaf data). */
export interface DecisionLogEntry {
  /** Entry type tag, beside `batch`. */
  kind: 'decision';
  /** The decision. */
  decision: Decision;
}

/** Everything needed to check one decision offline: the record, its inclusion in the log, the checkpoint. */
export const DecisionProofBundleSchema = z
  .object({
    /** Bundle format version. */
    v: z.literal(1),
    /** What the bundle proves. */
    type: z.literal('decision'),
    /** Hash suite of the log. */
    suite: CryptoSuiteNameSchema,
    /** Hex RFC 9162 leaf hash of the canonical log entry. */
    leafHash: HashHexSchema,
    /** The decision. */
    decision: DecisionSchema,
    /** Its place in the log (same shape as in frame bundles). */
    log: FrameProofBundleSchema.shape.log,
    /** The signed (and, with witnesses, cosigned) checkpoint note. */
    checkpoint: z.string().min(1),
    /** The checkpoint's anchor on an EVM chain, when there is one. */
    anchor: FrameProofBundleSchema.shape.anchor,
  })
  .strict();
export type DecisionProofBundle = z.infer<typeof DecisionProofBundleSchema>;

/**
 * The typed interface through which finance operations record decisions in the log and get their
 * proofs back. The finance package codes against it; the cloud implements it over its log.
 */
export interface DecisionLog {
  /** Append a decision (idempotent by decisionId); resolves with its log leaf index. */
  append(decision: Decision): Promise<{ decisionId: string; logIndex: number; status: 'appended' | 'duplicate' }>;
  /** The proof bundle of a recorded decision (throws `proof_not_ready` until a checkpoint covers it). */
  bundle(decisionId: string): Promise<DecisionProofBundle>;
}
