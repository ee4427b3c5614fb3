import type { EventEmitter } from 'node:events';
import type { BulkVerifier, Signer } from '@fieldproof/protocol';
import type { Logger } from 'pino';
import type { Backlog } from './backlog.ts';
import type { EdgeConfig } from './config.ts';
import type { EdgeKeyRing } from './operations/edge-keys.ts';
import type { EdgeStore } from './storage/edge-store.ts';

/** What the extensions tell each other. */
export interface EdgeEvents {
  /** New rows in the inbox. */
  raw: [];
  /** A raw row was judged: accepted, or rejected with a code. */
  verdict: [rawId: number, verdict: { accepted: true } | { accepted: false; code: string; message: string }];
  /** Frames were accepted and wait for a batch. */
  accepted: [count: number];
  /** Derived events were kept (count of new ones). */
  derived: [count: number];
  /** A signed batch entered the outbox. */
  batched: [batchSeq: number];
  /** The cloud accepted a batch. */
  sent: [batchSeq: number];
}

/** The one object every extension gets: config, store, key, logger, clock and the event bus. */
export interface EdgeContext {
  config: EdgeConfig;
  store: EdgeStore;
  signer: Signer;
  verifier: BulkVerifier;
  log: Logger;
  clock: () => number;
  events: EventEmitter<EdgeEvents>;
  /** Frames held for the cloud, for back-pressure. */
  backlog: Backlog;
  /** The edge's keys across rotations (docs/edge-operations.md); `signer` signs with the current one. */
  keys?: EdgeKeyRing;
  /** What edge operations know: the applied remote config version, a refused one, what waits for a restart. */
  operations?: EdgeOperationsState;
}

/** Edge operations state, reported in the status and heartbeats. */
export interface EdgeOperationsState {
  /** Remote config version applied (0: none). */
  configVersion: number;
  /** The last remote config version refused, and why. */
  configRefused: { version: number; reason: string } | null;
  /** Settings of the applied version that take effect at the next restart. */
  configPendingRestart: string[];
}

/** How a keyless device's intake is doing, for the edge status (errors never stop the gateway). */
export interface AcquisitionDeviceStatus {
  /** The intake (`modbus`, `opcua`). */
  source: string;
  /** True while the device (or its server) answers. */
  connected: boolean;
  /** Frames made from its samples. */
  frames: number;
  /** Failed connects, reads and lost connections. */
  errors: number;
  /** Samples dropped because the edge was in back-pressure. */
  dropped: number;
  /** The last error, for an operator. */
  lastError: string | null;
  /** When the last frame was made, UTC ms. */
  lastFrameAtMs: number | null;
}

/** An extension: one capability of the gateway, started and stopped by the host. */
export interface EdgeExtension {
  /** Name for logs. */
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}
