import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { SignatureAlgorithm, Signer } from './crypto/types.ts';
import { toBase64 } from './encoding.ts';
import { defaultEventRegistry, eventFunctionKey } from './events/index.ts';
import { IdSchema, SignatureAlgorithmSchema } from './frame.ts';

/**
 * Edge operations on the wire (docs/edge-operations.md): how an edge signs its own requests to the
 * cloud (config pull, heartbeats, key rotation), the remotely changeable part of its config, the
 * heartbeat and the rotation request.
 */

/** Header names of a signed edge request. */
export const edgeRequestHeaders = {
  edgeId: 'x-fieldproof-edge-id',
  keyId: 'x-fieldproof-key-id',
  timestamp: 'x-fieldproof-timestamp',
  nonce: 'x-fieldproof-nonce',
  signature: 'x-fieldproof-signature',
} as const;

/** Largest clock difference between edge and cloud a signed request may show, by default. */
export const edgeRequestSkewMsDefault = 300_000;

/** Bytes of a signed edge request body the cloud reads (a heartbeat of 1,000 devices fits). */
export const edgeRequestBytesMax = 1_048_576;

/** The key id of a public key: the first 16 bytes of its SHA-256, hex (names a key in logs and tables). */
export function edgeKeyId(publicKey: Uint8Array): string {
  return createHash('sha256').update(publicKey).digest('hex').slice(0, 32);
}

/** The hex SHA-256 of a request body (empty for a GET). */
export function bodyHashHex(body: Uint8Array | string): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * The bytes an edge signs for one request: a domain line, then method, path (with query), the
 * timestamp (UTC ms), the nonce and the hex SHA-256 of the body, one per line. Every field that
 * changes what the request does is covered, so a captured request cannot be re-aimed.
 */
export function edgeRequestMessage(parts: {
  method: string;
  path: string;
  timestampMs: number;
  nonce: string;
  bodySha256Hex: string;
}): Uint8Array {
  return new TextEncoder().encode(
    [
      'fieldproof-edge-request/v1',
      parts.method.toUpperCase(),
      parts.path,
      String(parts.timestampMs),
      parts.nonce,
      parts.bodySha256Hex,
    ].join('\n'),
  );
}

/** The headers of a signed edge request (the caller adds content-type). */
export function signEdgeRequest(parameters: {
  edgeId: string;
  signer: Signer;
  method: string;
  path: string;
  body: Uint8Array | string;
  timestampMs: number;
  nonce: string;
}): Record<string, string> {
  const message = edgeRequestMessage({
    method: parameters.method,
    path: parameters.path,
    timestampMs: parameters.timestampMs,
    nonce: parameters.nonce,
    bodySha256Hex: bodyHashHex(parameters.body),
  });
  return {
    [edgeRequestHeaders.edgeId]: parameters.edgeId,
    [edgeRequestHeaders.keyId]: edgeKeyId(parameters.signer.publicKey),
    [edgeRequestHeaders.timestamp]: String(parameters.timestampMs),
    [edgeRequestHeaders.nonce]: parameters.nonce,
    [edgeRequestHeaders.signature]: toBase64(parameters.signer.sign(message)),
  };
}

/** The bytes the NEW key signs in a rotation request: it proves the edge holds the new private key. */
export function keyRotationProofMessage(parts: {
  edgeId: string;
  alg: SignatureAlgorithm;
  publicKey: string;
  timestampMs: number;
  nonce: string;
}): Uint8Array {
  return new TextEncoder().encode(
    [
      'fieldproof-edge-key-rotation/v1',
      parts.edgeId,
      parts.alg,
      parts.publicKey,
      String(parts.timestampMs),
      parts.nonce,
    ].join('\n'),
  );
}

/** Body of POST /v1/edges/:id/keys: the new key and its proof (the request itself is signed by the old key). */
export const KeyRotationRequestSchema = z
  .object({
    /** Algorithm of the new key. */
    alg: SignatureAlgorithmSchema,
    /** The new raw public key, base64. */
    publicKey: z.string().min(1).max(200),
    /** The new key's signature over keyRotationProofMessage (same timestamp and nonce as the request), base64. */
    proof: z.string().min(1).max(200),
  })
  .strict();
export type KeyRotationRequest = z.infer<typeof KeyRotationRequestSchema>;

const RemoteDeriveFunctionSchema = z
  .object({
    name: z.string().min(1),
    version: z.number().int().min(1).default(1),
    parameters: z.record(z.string(), z.unknown()).default({}),
    deviceIds: z.array(IdSchema).max(100_000).optional(),
  })
  .strict()
  .superRefine((value, context) => {
    const definition = defaultEventRegistry.get(eventFunctionKey(value.name, value.version));
    if (!definition) {
      context.addIssue({ code: 'custom', path: ['name'], message: `no event function ${value.name}@${value.version}` });
      return;
    }
    const parsed = definition.parametersSchema.safeParse(value.parameters);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        context.addIssue({ code: 'custom', path: ['parameters', ...issue.path], message: issue.message });
      }
    }
  });

/**
 * The part of an edge's config an operator may change from the cloud. What is absent stays as the
 * edge's local config says. `batch`, `uplink` and `heartbeatIntervalMs` change live; `profile`,
 * `derive` and `devices` are kept and take effect at the edge's next start (the edge says so).
 */
export const EdgeRemoteConfigSchema = z
  .object({
    profile: z.enum(['standard', 'low-bandwidth']).optional(),
    batch: z
      .object({
        intervalMs: z.number().int().positive().max(3_600_000).optional(),
        framesMax: z.number().int().min(1).max(10_000).optional(),
        backlogIntervalMs: z.number().int().positive().max(86_400_000).optional(),
      })
      .strict()
      .optional(),
    uplink: z
      .object({ compression: z.enum(['none', 'gzip', 'br']).optional() })
      .strict()
      .optional(),
    derive: z
      .object({
        functions: z.array(RemoteDeriveFunctionSchema).max(64).optional(),
        windowFramesMax: z.number().int().min(16).max(100_000).optional(),
      })
      .strict()
      .optional(),
    /** Keyed devices this edge may speak for (replaces the list). */
    devices: z
      .array(
        z.object({ deviceId: IdSchema, alg: SignatureAlgorithmSchema, publicKey: z.string().min(1).max(200) }).strict(),
      )
      .max(100_000)
      .optional(),
    /** How often the edge sends a heartbeat. */
    heartbeatIntervalMs: z.number().int().min(100).max(3_600_000).optional(),
  })
  .strict();
export type EdgeRemoteConfig = z.infer<typeof EdgeRemoteConfigSchema>;

/** Body of PUT /v1/edges/:id/config (operator). */
export const EdgeConfigDocumentSchema = z
  .object({
    /** Rises monotonically per edge; the edge applies only a version above the one it has. */
    version: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    config: EdgeRemoteConfigSchema,
  })
  .strict();
export type EdgeConfigDocument = z.infer<typeof EdgeConfigDocumentSchema>;

/** The key rotation state the cloud tells the edge (config pull and heartbeat answers). */
export const KeyRotationStateSchema = z
  .object({
    keyId: z.string(),
    state: z.enum(['pending', 'approved']),
    /** From this batch seq on, batches must be signed with the new key (set when approved). */
    fromBatchSeq: z.number().int().min(0).nullable(),
  })
  .strict();
export type KeyRotationState = z.infer<typeof KeyRotationStateSchema>;

/** Answer of GET /v1/edges/:id/config. */
export interface EdgeConfigAnswer {
  /** The latest config document, or null when the operator never set one. */
  document: EdgeConfigDocument | null;
  /** The newest rotation of this edge's key that is not yet in force everywhere, if any. */
  keyRotation: KeyRotationState | null;
}

/** Most devices one heartbeat describes. */
export const heartbeatDevicesMax = 10_000;

/** One device as the edge sees it. */
export const HeartbeatDeviceSchema = z
  .object({
    deviceId: IdSchema,
    /** `device-signed` (MQTT/HTTP) or `edge-attested` (Modbus, OPC UA). */
    attestation: z.enum(['device-signed', 'edge-attested']),
    /** Last accepted seq, or null. */
    lastSeq: z.number().int().min(0).nullable(),
    /** When the edge last made or accepted a frame of it, UTC ms, or null. */
    lastSeenMs: z.number().int().min(0).nullable(),
    /** Keyless devices: connected now, acquisition errors since start, the last one. */
    connected: z.boolean().optional(),
    errors: z.number().int().min(0).optional(),
    lastError: z.string().max(500).nullable().optional(),
  })
  .strict();

/** Body of POST /v1/edges/:id/heartbeats. */
export const HeartbeatSchema = z
  .object({
    /** Edge clock when sent, UTC ms. */
    sentAtMs: z.number().int().min(0),
    /** Frames held that the cloud has not accepted (inbox, waiting for a batch, unsent batches). */
    queueFrames: z.number().int().min(0),
    /** Unsent batches. */
    queueBatches: z.number().int().min(0),
    /** Age of the oldest unsent batch, ms, or null when none waits. */
    oldestUnsentAgeMs: z.number().int().min(0).nullable(),
    /** Raw payloads waiting to be verified. */
    inbox: z.number().int().min(0),
    /** Derived events the cloud has not accepted yet. */
    eventsUnsent: z.number().int().min(0),
    /** The remote config version applied (0: none). */
    configVersion: z.number().int().min(0),
    /** A remote config version the edge refused, with why (null when none). */
    configRefused: z
      .object({ version: z.number().int(), reason: z.string().max(2_000) })
      .strict()
      .nullable(),
    /** Settings of the applied version that wait for a restart. */
    configPendingRestart: z.array(z.string().max(64)).max(32),
    /** Id of the key the edge signs with now. */
    keyId: z.string().max(64),
    /** Last batch seq sealed. */
    lastBatchSeq: z.number().int().min(-1),
    backPressure: z.boolean(),
    devices: z.array(HeartbeatDeviceSchema).max(heartbeatDevicesMax),
  })
  .strict();
export type Heartbeat = z.infer<typeof HeartbeatSchema>;
