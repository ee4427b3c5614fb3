import { type SignedFrame, type TlsMaterial, topics } from '@fieldproof/protocol';
import { connectAsync, type MqttClient } from 'mqtt';
import type { FramePublisher } from './frame-publisher.ts';
import { PublishError } from './publish-error.ts';

/** Options of an MQTT publisher. */
export interface MqttPublisherOptions {
  /** Broker URL: `mqtt://`, `mqtts://` (TLS), `ws://` or `wss://`. */
  url: string;
  /** MQTT client id; the device id is a good choice. */
  clientId: string;
  /** Broker user name, if the broker wants one. */
  username?: string;
  /** Broker password, if the broker wants one. */
  password?: string;
  /** Most frames awaiting PUBACK at once; more are rejected with `publisher_inflight_full` [1000]. */
  inflightMax?: number;
  /** MQTT protocol version: 4 (3.1.1) or 5 [4]. */
  protocolVersion?: 4 | 5;
  /** Time to wait for the first connection before giving up, ms [30 000]. */
  connectTimeoutMs?: number;
  /** Pause between reconnection attempts, ms [1000]. */
  reconnectPeriodMs?: number;
  /** How long close() waits for frames in flight before it drops them, ms [5000]. */
  closeTimeoutMs?: number;
  /**
   * For mqtts: `ca`, the CA that issued the broker's certificate (PEM), and for a broker with mTLS
   * this device's certificate and key (`cert`, `key`), whose device id must be this device's.
   */
  tls?: TlsMaterial;
}

/**
 * Connect to an MQTT broker and return a publisher that sends each signed frame as JSON with QoS 1
 * to `fieldproof/v1/frames/{deviceId}`, resolving on the broker's PUBACK. The client reconnects
 * on its own after a lost connection; frames published meanwhile wait in the client and are sent
 * on reconnection (bounded by inflightMax). Rejects if no connection is made within
 * connectTimeoutMs. Preconditions: `url` names a reachable broker; inflightMax is an integer ≥ 1.
 */
export async function createMqttPublisher(options: MqttPublisherOptions): Promise<FramePublisher> {
  const inflightMax = options.inflightMax ?? 1000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
  const closeTimeoutMs = options.closeTimeoutMs ?? 5000;
  if (!(Number.isInteger(inflightMax) && inflightMax >= 1)) throw new RangeError('inflightMax must be an integer ≥ 1');

  const connecting = connectAsync(options.url, {
    clientId: options.clientId,
    username: options.username,
    password: options.password,
    protocolVersion: options.protocolVersion ?? 4,
    reconnectPeriod: options.reconnectPeriodMs ?? 1000,
    connectTimeout: connectTimeoutMs,
    // A persistent session keeps unacknowledged QoS 1 frames across a reconnection.
    clean: false,
    ...options.tls,
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new PublishError('network_error', `no MQTT connection to ${options.url} within ${connectTimeoutMs} ms`)),
      connectTimeoutMs,
    );
  });
  let client: MqttClient;
  try {
    client = await Promise.race([connecting, timeout]);
  } catch (error) {
    // The client keeps retrying in the background unless told to stop.
    void connecting.then((late) => late.end(true)).catch(() => undefined);
    if (error instanceof PublishError) throw error;
    throw new PublishError('mqtt_error', `cannot connect to MQTT broker ${options.url}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
  // Without a listener an 'error' event would crash the process; failed publishes reject on their own.
  client.on('error', () => undefined);

  const inflight = new Set<Promise<unknown>>();
  let closed = false;

  return {
    async publish(signedFrame: SignedFrame) {
      if (closed) throw new PublishError('publisher_closed', 'the MQTT publisher is closed');
      if (inflight.size >= inflightMax) {
        throw new PublishError('publisher_inflight_full', `${inflightMax} frames already await PUBACK (inflightMax)`);
      }
      const sending = client.publishAsync(topics.frames(signedFrame.frame.deviceId), JSON.stringify(signedFrame), {
        qos: 1,
      });
      inflight.add(sending);
      try {
        await sending;
      } catch (error) {
        throw new PublishError('mqtt_error', `MQTT publish failed: ${(error as Error).message}`, { cause: error });
      } finally {
        inflight.delete(sending);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      let waitTimer: NodeJS.Timeout | undefined;
      const waitLimit = new Promise<void>((resolve) => {
        waitTimer = setTimeout(resolve, closeTimeoutMs);
      });
      await Promise.race([Promise.allSettled([...inflight]), waitLimit]);
      clearTimeout(waitTimer);
      await client.endAsync(true);
    },
  };
}
