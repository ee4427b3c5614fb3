import type { AcceptDirectFrameParameters, AcceptDirectFrameResult } from './accept-direct-frame.ts';

/** The verify step as a transport calls it (dependencies bound). */
export type AcceptDirectFrames = (parameters: AcceptDirectFrameParameters) => Promise<AcceptDirectFrameResult>;

/** A running direct-ingest transport. */
export interface DirectTransport {
  /** `https`, `coap` or `mqtt`. */
  name: string;
  /** Stop taking frames; resolves when the transport's socket or connection is closed. */
  stop(): Promise<void>;
}
