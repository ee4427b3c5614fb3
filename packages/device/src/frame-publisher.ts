import type { SignedFrame } from '@fieldproof/protocol';

/** Sends signed frames to an edge or the cloud, over MQTT or HTTPS. */
export interface FramePublisher {
  /**
   * Send one signed frame. Resolves once the receiver has acknowledged it (MQTT PUBACK at QoS 1,
   * an HTTP 2xx); rejects with a PublishError otherwise. Precondition: the publisher is not closed.
   */
  publish(signedFrame: SignedFrame): Promise<void>;
  /** Stop: wait a bounded time for frames in flight, then release the connection. Idempotent. */
  close(): Promise<void>;
}
