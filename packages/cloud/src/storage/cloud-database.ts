import type { ColumnType, Generated } from 'kysely';

/**
 * The cloud's tables as Kysely sees them, the same on SQLite and PostgreSQL. Integers are numbers
 * on both (the PostgreSQL pool parses int8 and asserts it is a safe integer); blobs are Buffers.
 * A module that adds tables (events, finance, tenants) adds its own interface here and a migration
 * file in both `sqlite/migrations/` and `postgres/migrations/`.
 */
export interface CloudDatabase {
  meta: { key: string; value: string };
  edge: {
    edge_id: string;
    alg: string;
    public_key: Uint8Array;
    created_at_ms: number;
    last_batch_seq: number | null;
    last_batch_hash: string | null;
  };
  device: {
    device_id: string;
    alg: string;
    public_key: Uint8Array;
    edge_id: string;
    created_at_ms: number;
    last_seq: number | null;
    attestation: ColumnType<'device-signed' | 'edge-attested', 'device-signed' | 'edge-attested' | undefined, never>;
  };
  batch: {
    id: Generated<number>;
    edge_id: string;
    batch_seq: number;
    batch_hash: string;
    header: string;
    frame_count: number;
    leaf_hashes: Uint8Array;
    received_at_ms: number;
    log_index: number;
  };
  frame: {
    id: string;
    device_id: string;
    seq: number;
    device_time_ms: number;
    received_at_ms: number;
    batch_id: number;
    leaf_index: number;
    body: string;
  };
  log_entry: { leaf_index: number; kind: string; data: Uint8Array; created_at_ms: number };
  log_hash: { idx: number; hash: Uint8Array };
  checkpoint: { size: number; root: Uint8Array; note: string; created_at_ms: number };
  quarantine: {
    id: Generated<number>;
    received_at_ms: number;
    source: string;
    code: string;
    message: string;
    edge_id: string | null;
    payload: Uint8Array;
    payload_bytes: number;
  };
  reject_count: { code: string; count: number };
  cosignature: { size: number; witness: string; line: string; created_at_ms: number };
  witness_state: { witness: string; size: number };
  decision: {
    decision_id: string;
    type: string;
    organisation_id: string;
    subject_id: string;
    decided_at_ms: number;
    log_index: number;
    body: string;
    created_at_ms: number;
  };
  anchor: {
    chain_id: number;
    contract: string;
    origin_hash: string;
    size: number;
    state: 'pending' | 'final' | 'superseded';
    root_hash: `0x${string}`;
    checkpoint_hash: `0x${string}`;
    tx_hash: `0x${string}` | null;
    nonce: number | null;
    raw_tx: `0x${string}` | null;
    block_number: number | null;
    created_at_ms: number;
    final_at_ms: number | null;
  };
}
