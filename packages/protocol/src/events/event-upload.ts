import * as z from 'zod';
import { canonicalize } from '../canonical-json.ts';
import type { Signer } from '../crypto/types.ts';
import { toBase64, utf8 } from '../encoding.ts';
import { IdSchema, SignatureAlgorithmSchema } from '../frame.ts';
import { type DerivedEvent, DerivedEventSchema } from './derived-event.ts';

/** Most events in one `POST /v1/events` upload. */
export const eventsPerUploadMax = 500;

/** Domain separation: what the edge's signature over an events upload says it signs. */
export const eventUploadContext = 'fieldproof/events/v1';

/**
 * The body of `POST /v1/events`: an edge's derived events, signed with the edge's key. The
 * signature covers `eventUploadMessage(edgeId, events)`; the cloud verifies it with the edge key it
 * registered, so only that edge can upload events, and only for its own devices.
 */
export const EventUploadSchema = z
  .object({
    /** The uploading edge. */
    edgeId: IdSchema,
    /** 1..eventsPerUploadMax derived events, oldest first. */
    events: z.array(DerivedEventSchema).min(1).max(eventsPerUploadMax),
    /** Algorithm of the edge key. */
    alg: SignatureAlgorithmSchema,
    /** Base64 signature of eventUploadMessage(edgeId, events) by the edge key. */
    sig: z.string().min(1).max(512),
  })
  .strict();
export type EventUpload = z.infer<typeof EventUploadSchema>;

/**
 * The bytes an edge signs for an events upload: the RFC 8785 canonical JSON of
 * `{context: "fieldproof/events/v1", edgeId, events}`. The context string keeps a signature made
 * for events from being taken for one over a batch header, which the same key signs.
 */
export function eventUploadMessage(edgeId: string, events: readonly DerivedEvent[]): Uint8Array {
  return utf8(canonicalize({ context: eventUploadContext, edgeId, events }));
}

/** Sign an events upload with the edge's signer. Precondition: each event passed DerivedEventSchema. */
export function signEventUpload(signer: Signer, edgeId: string, events: readonly DerivedEvent[]): EventUpload {
  return {
    edgeId,
    events: [...events],
    alg: signer.alg,
    sig: toBase64(signer.sign(eventUploadMessage(edgeId, events))),
  };
}
