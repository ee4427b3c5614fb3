import * as z from 'zod';

/** Ids of devices, edges and logs: short, printable, safe in MQTT topics, URLs and file names. */
export const IdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'an id is 1–128 of A–Z a–z 0–9 . _ - and starts with a letter or digit');

export const SignatureAlgorithmSchema = z.enum(['ed25519', 'ecdsa-p256', 'sm2']);
export const CryptoSuiteNameSchema = z.enum(['intl', 'sm']);

const base64 = z
  .string()
  .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'standard padded base64');
export const Base64Schema = base64;
export const HashHexSchema = z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits');

// In `u` mode a surrogate pair is one code point, so only a lone surrogate matches.
const loneSurrogate = /\p{Surrogate}/u;
/** Text that RFC 8785 can canonicalize: I-JSON (RFC 7493) strings hold no lone surrogates. */
const wellFormedText = (text: string): boolean => !loneSurrogate.test(text);
const wellFormedMessage = 'a string with a lone surrogate (not I-JSON, RFC 8785 §3.1)';

/** One measured value. `kind` names the quantity (`weight`, `gps.lat`), `unit` its unit (`kg`). */
export const ReadingSchema = z
  .object({
    /** What was measured, e.g. `weight`, `power`, `temperature`, `gps.lat`, `rfid.tag`. */
    kind: z.string().regex(/^[a-z][a-z0-9_.]{0,63}$/),
    /** The value: a finite number, a boolean or a short string (an RFID tag id). */
    value: z.union([z.number().finite(), z.boolean(), z.string().max(256).refine(wellFormedText, wellFormedMessage)]),
    /** Unit of `value` (`kg`, `W`, `degC`, `deg`); omitted for unitless values. */
    unit: z.string().max(16).refine(wellFormedText, wellFormedMessage).optional(),
  })
  .strict();
export type Reading = z.infer<typeof ReadingSchema>;

/** A device's record. Its RFC 8785 canonical bytes are what the device signs. */
export const FrameSchema = z
  .object({
    /** The device that made and signed the frame. */
    deviceId: IdSchema,
    /** Strictly rising per device; a repeat is a replay, a jump is a gap. */
    seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    /** The device's clock at sampling, UTC ms since the epoch (may drift; receive time is kept too). */
    deviceTimeMs: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    /** The values measured at that instant. */
    readings: z.array(ReadingSchema).min(1).max(64),
  })
  .strict();
export type Frame = z.infer<typeof FrameSchema>;

/** Who signed a frame: the device itself, or the edge on behalf of a keyless device (Modbus, OPC UA). */
export const AttestationSchema = z.enum(['device-signed', 'edge-attested']);
export type Attestation = z.infer<typeof AttestationSchema>;

/**
 * A signed frame. Device-signed (no `attestation` key, the original wire format, byte for byte):
 * `sig` is the device's signature over `canonicalBytes(frame)`. Edge-attested (`attestation:
 * 'edge-attested'` and `edgeId`): `sig` is that edge's signature over the canonical bytes of the
 * envelope `{attestation, edgeId, frame}` (see edgeAttestedMessage), so the marker and the edge are
 * covered by the signature, and, since the leaf is the whole signed frame, committed in the batch.
 */
export const SignedFrameSchema = z
  .object({
    /** The signed record. */
    frame: FrameSchema,
    /** Signature algorithm of the signing key (the device's, or the attesting edge's). */
    alg: SignatureAlgorithmSchema,
    /** Signature, base64: over the canonical frame, or for edge-attested frames over the envelope. */
    sig: base64,
    /** Present only on frames the edge signed for a keyless device; absent means device-signed. */
    attestation: z.literal('edge-attested').optional(),
    /** The attesting edge; present exactly when `attestation` is. */
    edgeId: IdSchema.optional(),
  })
  .strict()
  .refine((signed) => (signed.attestation === undefined) === (signed.edgeId === undefined), {
    message: 'attestation and edgeId come together (an edge-attested frame names its edge)',
    path: ['edgeId'],
  });
export type SignedFrame = z.infer<typeof SignedFrameSchema>;

/** The attestation of a signed frame (`device-signed` when the frame carries no marker). */
export function frameAttestation(signed: Pick<SignedFrame, 'attestation'>): Attestation {
  return signed.attestation ?? 'device-signed';
}
