/**
 * The frame bus between ingest nodes (HTTPS, CoAP, MQTT transports after the verify step) and the
 * direct-ingest sequencer. Embedded: an in-process bounded queue (in-process-frame-bus.ts);
 * scale-out: NATS JetStream (jetstream-frame-bus.ts). Delivery is at-least-once: the consumer acks
 * a frame only after it is durably in the log (or quarantined), and duplicates are dropped
 * downstream by the (device, seq) key.
 */

/** One verified frame on its way from an ingest node to the sequencer. */
export interface BusFrame {
  /** Dedup id: `${deviceId}:${seq}` (JetStream's Nats-Msg-Id; the store's (device, seq) key). */
  id: string;
  /** The signed frame's wire bytes (canonical JSON of SignedFrame), exactly as received. */
  bytes: Uint8Array;
  /** Receive time, UTC ms, at the ingest node. */
  receivedAtMs: number;
  /** Which ingest node and transport took it (`mqtt`, `https`, `coap`), for logs and metrics. */
  source: string;
}

/** A delivery to the consumer; ack only after the frame is durably in the log (or quarantined). */
export interface BusDelivery {
  /** The frame delivered. */
  frame: BusFrame;
  /** The frame is in the log (or quarantined): the bus forgets it. */
  ack(): Promise<void>;
  /** The frame could not be handled now: deliver it again, after `delayMs` if given. */
  nak(delayMs?: number): Promise<void>;
}

/** Options of a consumer. */
export interface FrameBusConsumeOptions {
  /** Most deliveries handed to the handler at once. */
  max: number;
  /** Longest wait for the first delivery of a pull before the pull ends empty (and pulls again). */
  waitMs: number;
}

/** A running consumer. */
export interface FrameBusConsumer {
  /** Stop pulling; resolves when the handler in progress (if any) has returned. Un-acked frames stay on the bus. */
  stop(): Promise<void>;
}

/** The bus contract (docs/direct-ingest.md). */
export interface FrameBus {
  /**
   * Resolves once the frame is durable: JetStream on its PubAck (the stream is on disk), the
   * in-process bus once the consumer acked it (committed to the store). Throws when down or full.
   */
  publish(frame: BusFrame): Promise<void>;
  /** Pull deliveries in batches of up to `max`, waiting up to `waitMs`; at-least-once. */
  consume(handler: (deliveries: BusDelivery[]) => Promise<void>, options: FrameBusConsumeOptions): FrameBusConsumer;
  /** Frames accepted but not yet acked (a gauge for /metrics). */
  depth(): Promise<number>;
  close(): Promise<void>;
}

/** The dedup id of a frame on the bus: its device and seq, the store's idempotency key. */
export function busFrameId(deviceId: string, seq: number): string {
  return `${deviceId}:${seq}`;
}
