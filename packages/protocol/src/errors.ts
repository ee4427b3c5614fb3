/**
 * Stable error codes. A code never changes meaning once released; clients, dashboards and the
 * quarantine tables key on it. Add new codes at the end of their group.
 */
export const ErrorCodes = {
  // Frames (device → edge, or device → cloud directly).
  frame_malformed: { status: 400, summary: 'The frame is not valid JSON or does not match the frame schema.' },
  frame_oversize: { status: 413, summary: 'The frame is larger than the configured frameBytesMax.' },
  frame_signature_invalid: { status: 422, summary: 'The frame signature does not verify against the device key.' },
  frame_replayed: {
    status: 409,
    summary:
      'The frame reuses a spent seq of its device (an exact re-delivery of an accepted frame is a duplicate, not a reject).',
  },
  frame_topic_mismatch: { status: 400, summary: 'The MQTT topic names a different device from the frame.' },
  device_unknown: { status: 403, summary: 'The device is not registered with this edge or cloud.' },
  device_not_assigned_to_edge: { status: 403, summary: 'The device belongs to another edge.' },
  frame_attestation_invalid: {
    status: 422,
    summary:
      'The frame is edge-attested for a device that signs its own frames or that belongs to another edge, or a keyless device sent a frame without the edge attestation.',
  },
  intake_busy: { status: 503, summary: 'Too many frames are waiting for a verdict; retry after a short pause.' },
  device_certificate_mismatch: {
    status: 403,
    summary: 'The client certificate (mTLS) names another device than the frame or its MQTT topic.',
  },
  device_inactive: {
    status: 403,
    summary: 'The device is registered but not activated yet (docs/identity-lifecycle.md); its frames are quarantined.',
  },
  device_suspended: {
    status: 403,
    summary: 'The device is suspended; its frames are quarantined until it is resumed.',
  },
  device_revoked: {
    status: 403,
    summary: 'The device was revoked; its frames signed (device time) from the revocation on are quarantined.',
  },
  device_retired: { status: 403, summary: 'The device is retired (end of life); its frames are quarantined.' },
  // Direct ingest (device → cloud over HTTPS, CoAP or MQTT; see docs/direct-ingest.md).
  bus_full: {
    status: 503,
    summary: 'The frame bus holds busFramesMax frames not yet in the log; retry after a short pause.',
  },
  bus_unavailable: { status: 503, summary: 'The frame bus is down or closed; retry when it is back.' },
  direct_frames_too_many: { status: 413, summary: 'One direct upload holds more than directFramesMax frames.' },
  // Batches (edge → cloud).
  batch_malformed: { status: 400, summary: 'The batch upload does not match the batch schema.' },
  batch_oversize: { status: 413, summary: 'The batch holds more frames or bytes than allowed.' },
  batch_signature_invalid: { status: 422, summary: 'The batch header signature does not verify against the edge key.' },
  batch_root_mismatch: {
    status: 422,
    summary: 'The Merkle root of the uploaded frames differs from the signed header.',
  },
  batch_frame_invalid: { status: 422, summary: 'A frame inside the batch failed the cloud checks.' },
  batch_out_of_order: {
    status: 409,
    summary: 'The batch does not extend the edge batch chain (batchSeq or previousBatchHash).',
  },
  batch_conflict: { status: 409, summary: 'A different batch with the same edgeId and batchSeq was already accepted.' },
  edge_unknown: { status: 403, summary: 'The edge is not registered with the cloud.' },
  payload_too_large: {
    status: 413,
    summary: 'A compressed batch body inflates past batchBytesMax: a zip bomb, or a batch too large.',
  },
  batch_key_superseded: {
    status: 422,
    summary:
      'The batch is signed with an edge key that an approved rotation retired from an earlier batch seq; sign it with the key valid for its seq.',
  },
  edge_suspended: { status: 403, summary: 'The edge is suspended; its batches are refused whole until it is resumed.' },
  edge_revoked: { status: 403, summary: 'The edge was revoked; its batches are refused whole.' },
  edge_retired: { status: 403, summary: 'The edge is retired (end of life); its batches are refused whole.' },
  // Identity lifecycle and provisioning (docs/identity-lifecycle.md).
  device_state_invalid: {
    status: 409,
    summary:
      'The lifecycle transition is not allowed from the device or edge status now (e.g. resume an active device, anything after revoke).',
  },
  device_key_invalid: {
    status: 400,
    summary:
      'The device key is not a valid key of its algorithm, is already registered, or starts before a key the device has.',
  },
  provisioning_request_invalid: {
    status: 400,
    summary:
      'A provisioning item is invalid: the CSR is not PKCS#10 PEM, its self-signature does not verify, its CN names no device id, or its key is not P-256 or Ed25519.',
  },
  // Edge operations (edge → cloud requests signed with the edge key; see docs/edge-operations.md).
  edge_request_unauthenticated: {
    status: 401,
    summary: 'The edge request is unsigned, or its signature does not verify with a key of the edge valid now.',
  },
  edge_request_stale: { status: 401, summary: 'The edge request timestamp is outside the allowed clock skew.' },
  edge_request_replayed: { status: 409, summary: 'The edge request nonce was used before within the skew window.' },
  edge_config_invalid: { status: 400, summary: 'The remote edge config does not match the remotely changeable part.' },
  edge_config_version_conflict: {
    status: 409,
    summary: 'The remote edge config version is not above the stored one (versions rise monotonically).',
  },
  key_rotation_invalid: {
    status: 409,
    summary: 'The key rotation request or approval is not valid now (no such pending key, a used seq, a bad proof).',
  },
  // Proofs and logs.
  frame_not_found: { status: 404, summary: 'No frame with that id is stored.' },
  proof_not_ready: {
    status: 409,
    summary: 'The frame is stored but no signed checkpoint covers it yet; retry shortly.',
  },
  // Decisions.
  decision_invalid: {
    status: 400,
    summary: 'The decision does not match the decision schema or is over decisionBytesMax.',
  },
  decision_conflict: { status: 409, summary: 'A different decision with the same decisionId was recorded before.' },
  decision_not_found: { status: 404, summary: 'No decision with that id is recorded.' },
  // Derived events (edge → cloud, POST /v1/events).
  events_malformed: {
    status: 400,
    summary:
      'The events upload, or one event in it, does not match the schema (or names another hash suite than the log).',
  },
  events_signature_invalid: {
    status: 422,
    summary: 'The events upload signature does not verify against the edge key.',
  },
  event_conflict: { status: 409, summary: 'A different event with the same eventId was stored before.' },
  event_not_found: { status: 404, summary: 'No event with that id is stored.' },
  // API.
  request_invalid: { status: 400, summary: 'The request does not match the API schema.' },
  unauthorized: { status: 401, summary: 'Missing or wrong credentials.' },
  not_found: { status: 404, summary: 'No such resource.' },
  internal: { status: 500, summary: 'An unexpected error; see the server log.' },
  idempotency_key_reused: {
    status: 422,
    summary: 'The Idempotency-Key was used before with another request (method, path or body); use a new key.',
  },
  idempotency_in_progress: {
    status: 409,
    summary: 'A request with this Idempotency-Key is still running; retry after it has answered.',
  },
  rate_limited: { status: 429, summary: 'Too many requests from this caller; retry after the Retry-After seconds.' },
  // Access control (docs/access-control.md).
  permission_denied: { status: 403, summary: "The caller's role does not have the permission this call needs." },
  consent_missing: { status: 403, summary: 'No live consent of the data owner covers this read by a bank.' },
  organisation_forbidden: { status: 403, summary: "The data belongs to another organisation than the caller's." },
  session_expired: { status: 401, summary: 'The session token has expired; sign in again (POST /v1/sessions).' },
  consent_unknown: { status: 404, summary: 'No consent with that id was granted by or to this organisation.' },
  organisation_unknown: { status: 404, summary: 'No organisation with that id.' },
  user_conflict: { status: 409, summary: 'A user with that email exists already.' },
  organisation_conflict: {
    status: 409,
    summary: 'An organisation with that id exists already, with another name or kind.',
  },
  // Store.
  store_unavailable: {
    status: 503,
    summary: 'The cloud store (SQLite file or PostgreSQL server) cannot be reached; retry when it is back.',
  },
  store_contended: {
    status: 503,
    summary: 'A store transaction kept meeting concurrent writers of the same rows and gave up; retry shortly.',
  },
  // Encryption at rest (docs/encryption-at-rest.md).
  ciphertext_invalid: {
    status: 500,
    summary:
      'A stored encrypted value does not decrypt: it was altered, moved to another row or column, or is not in the at-rest format.',
  },
  data_key_unknown: {
    status: 500,
    summary: 'A stored value or data key names a data key or master key that the key provider does not hold.',
  },
} as const satisfies Record<string, { status: number; summary: string }>;

/** One of the stable error codes. */
export type ErrorCode = keyof typeof ErrorCodes;

/**
 * The shape every operating error of ours has: a stable `code` from its own closed set, a message
 * a user can act on, and facts for the caller (never secrets). Each layer's error extends it with
 * its codes (ProofError, CheckpointError, TileError, WitnessError, AnchorError, FieldproofError).
 */
export class CodedError<Code extends string> extends Error {
  /** Stable machine-readable code. */
  readonly code: Code;
  /** Extra facts for the caller (indexes, expected vs actual), never secrets. */
  readonly details: Record<string, unknown> | undefined;
  constructor(code: Code, message: string, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

/**
 * An operating error: expected, typed, with a stable `code` and a message a user can act on.
 * Programmer errors are not FieldproofErrors: they are assertion failures and crash the process.
 */
export class FieldproofError extends CodedError<ErrorCode> {
  override name = 'FieldproofError';
  /** HTTP status that this error maps to. */
  get status(): number {
    return ErrorCodes[this.code].status;
  }
}

/** Throw a programmer error when an invariant does not hold. Never catch it. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`invariant violated: ${message}`);
}
