import {
  canonicalize,
  edgeAttestedMessage,
  type Frame,
  type Reading,
  type SignedFrame,
  toBase64,
  utf8,
} from '@fieldproof/protocol';
import type { EdgeContext } from './context.ts';

export interface AttestSampleParameters {
  /** The keyless device the sample is of. */
  deviceId: string;
  /** The values read, already scaled, in the order the config lists them. */
  readings: Reading[];
  /** The intake it came from (`modbus`, `opcua`), kept on the inbox row. */
  source: string;
}

/**
 * Turn a keyless device's sample into an edge-attested frame and write it to the inbox: the edge
 * clock is its deviceTimeMs, the store gives it the next seq of that device in the same
 * transaction, and the edge key signs the envelope {attestation, edgeId, frame}. The frame then
 * takes the same path as a device-signed one (verify, batch, uplink). Returns the seq, or
 * undefined when the edge is in back-pressure (a poll's sample is dropped and counted by the
 * caller; nothing acknowledged is lost). Precondition: 1–64 readings of valid kinds.
 */
export function attestSample(context: EdgeContext, parameters: AttestSampleParameters): number | undefined {
  if (context.backlog.full) return undefined;
  const { edgeId } = context.config;
  const nowMs = context.clock();
  const seq = context.store.insertAttested(parameters.deviceId, nowMs, parameters.source, (seq) => {
    const frame: Frame = { deviceId: parameters.deviceId, seq, deviceTimeMs: nowMs, readings: parameters.readings };
    const signed: SignedFrame = {
      frame,
      alg: context.signer.alg,
      sig: toBase64(context.signer.sign(utf8(edgeAttestedMessage(edgeId, frame)))),
      attestation: 'edge-attested',
      edgeId,
    };
    return utf8(canonicalize(signed));
  });
  context.backlog.added();
  context.events.emit('raw');
  return seq;
}
