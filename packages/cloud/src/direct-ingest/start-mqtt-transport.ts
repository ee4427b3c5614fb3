import { readTlsFiles } from '@fieldproof/protocol';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { DirectFrameResult } from './accept-direct-frame.ts';
import type { DirectIngestConfig } from './direct-ingest-config.ts';
import type { AcceptDirectFrames, DirectTransport } from './direct-transport.ts';

export interface StartMqttTransportParameters {
  /** The verify step. */
  accept: AcceptDirectFrames;
  /** `cloud.directIngest.mqtt`. */
  settings: NonNullable<DirectIngestConfig['mqtt']>;
  /** Pause before a frame the bus refused (`bus_full`) is offered to it again. */
  retryDelayMs: number;
  /** Longest wait for the broker at start. */
  connectTimeoutMs?: number;
  log: Logger;
}

/** A running MQTT transport. */
export interface MqttTransport extends DirectTransport {
  /** The subscription it holds (`$share/<group>/<topic>` with a shared group). */
  subscription: string;
}

/** What the direct MQTT frame handler needs. */
export interface DirectMqttFrameHandlerParameters {
  /** The verify step. */
  accept: AcceptDirectFrames;
  /** The frame topic filter, ending in `/+` (the device id level). */
  topic: string;
  /** Where a refused frame's verdict goes, under `/<deviceId>`. */
  rejectTopicPrefix: string;
  /** The ingest node as the verify step logs it (a client id). */
  source: string;
  /** Pause before a frame the bus refused (`bus_full`, `bus_unavailable`) is offered to it again. */
  retryDelayMs: number;
  /** Publish a verdict `{code, message}` to the device (QoS 0). */
  publishVerdict(topic: string, payload: string): void;
  /** True once the transport stops: a frame still waiting for the bus is then never settled. */
  stopping(): boolean;
  log: Logger;
}

/**
 * One direct frame received over MQTT, from a subscription (`startMqttTransport`) or held by an
 * in-process broker before its PUBACK (the embedded Aedes): the returned promise resolves with the
 * PUBACK reason code once the frame may be acknowledged — 0 when the bus holds it durably, an
 * MQTT 5 reason code when it was refused (quarantined by the verify step; its verdict published
 * to `<rejectTopicPrefix>/<deviceId>`). While the bus is full or down the frame is offered again
 * every `retryDelayMs`, never dropped; the promise rejects only when the transport stops first,
 * and the frame must then stay unacknowledged.
 */
export function createDirectMqttFrameHandler(
  parameters: DirectMqttFrameHandlerParameters,
): (topic: string, message: Buffer) => Promise<number> {
  const { accept, log } = parameters;
  const prefix = parameters.topic.slice(0, -1); // the filter without its final `+`
  return (topic, message) =>
    new Promise<number>((resolve, reject) => {
      const tail = topic.startsWith(prefix) ? topic.slice(prefix.length) : '';
      const topicDeviceId = tail.length > 0 && !tail.includes('/') ? tail : '';
      const again = () => {
        if (parameters.stopping()) reject(new Error('the direct-ingest MQTT transport stopped'));
        else setTimeout(offer, parameters.retryDelayMs).unref();
      };
      const offer = () => {
        accept({ frames: [{ bytes: message, topicDeviceId }], transport: 'mqtt', source: parameters.source }).then(
          ({ results }) => {
            const result = results[0] as DirectFrameResult;
            if (result.ok) return resolve(0);
            // The bus is full or down: hold the PUBACK and offer the frame again; never drop it.
            if (result.status === 503) return again();
            if (topicDeviceId) {
              parameters.publishVerdict(
                `${parameters.rejectTopicPrefix}/${topicDeviceId}`,
                JSON.stringify({ code: result.code, message: result.message }),
              );
            }
            return resolve(pubackReason(result));
          },
          (error: unknown) => {
            log.error({ err: error, topic }, 'MQTT frame could not be handled; not acknowledging it');
            again();
          },
        );
      };
      offer();
    });
}

/** MQTT 5 PUBACK reason codes (§3.4.2.1) for a refused frame. */
function pubackReason(result: Extract<DirectFrameResult, { ok: false }>): number {
  if (result.code === 'frame_malformed' || result.code === 'frame_oversize') return 0x99; // payload format invalid
  if (result.code === 'frame_topic_mismatch') return 0x90; // topic name invalid
  if (result.status === 401 || result.status === 403 || result.status === 422) return 0x87; // not authorized
  return 0x80; // unspecified error
}

/**
 * The MQTT transport: an mqtt.js client in a persistent session (`clean: false`, a session
 * expiry) subscribed with QoS 1 to the direct devices' frame topic — as `$share/<group>/<topic>`
 * with a shared group, so the broker splits frames among the ingest nodes of the group. Acks are
 * manual (`customHandleAcks`): the PUBACK goes out only once the bus holds the frame durably, so a frame
 * in flight when the node dies stays in its session and is delivered again when it reconnects.
 * While the bus is full the PUBACK (and with it the next message) waits and the frame is offered
 * again every `retryDelayMs`: the broker holds the backlog. A refused frame is quarantined by the
 * verify step, acknowledged (with an MQTT 5 reason code) so it is not redelivered for ever, and
 * its `{code, message}` is published to `<rejectTopicPrefix>/<deviceId>` for the device.
 */
export async function startMqttTransport(parameters: StartMqttTransportParameters): Promise<MqttTransport> {
  const { accept, settings, log } = parameters;
  const subscription = settings.sharedGroup ? `$share/${settings.sharedGroup}/${settings.topic}` : settings.topic;
  let stopping = false;
  const options: IClientOptions = {
    clientId: settings.clientId,
    clean: false,
    protocolVersion: settings.protocolVersion,
    reconnectPeriod: 1_000,
    connectTimeout: parameters.connectTimeoutMs ?? 10_000,
    // The session (subscription and un-acked frames) outlives a restart of this node.
    ...(settings.protocolVersion === 5 ? { properties: { sessionExpiryInterval: settings.sessionExpirySeconds } } : {}),
    ...(settings.username === undefined ? {} : { username: settings.username }),
    ...(settings.password === undefined ? {} : { password: settings.password }),
    ...(settings.tls ? readTlsFiles(settings.tls) : {}),
    // MQTT 5: the PUBACK, with its reason code, waits for `done` (mqtt.js uses it only on v5).
    ...(settings.protocolVersion === 5
      ? {
          customHandleAcks: (topic: string, message: Buffer, _packet: unknown, done: (code: number) => void) =>
            handle(topic, message, done),
        }
      : {}),
  };
  const client: MqttClient = mqtt.connect(settings.url, options);
  if (settings.protocolVersion === 4) {
    // MQTT 3.1.1 has no reason codes: the PUBACK waits for handleMessage's callback instead.
    client.handleMessage = (packet, callback) => {
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      handle(packet.topic, payload, () => callback());
    };
  }

  const handleFrame = createDirectMqttFrameHandler({
    accept,
    topic: settings.topic,
    rejectTopicPrefix: settings.rejectTopicPrefix,
    source: settings.clientId,
    retryDelayMs: parameters.retryDelayMs,
    publishVerdict: (topic, payload) => client.publish(topic, payload, { qos: 0 }),
    stopping: () => stopping,
    log,
  });
  /** Offer one frame to the verify step; `finish` sends the PUBACK (with a reason code on v5). */
  function handle(topic: string, message: Buffer, finish: (reasonCode: number) => void): void {
    // Not settled when the transport stops: not acknowledged, so the broker keeps the frame in the session.
    handleFrame(topic, message).then(finish, () => {});
  }
  client.on('error', (error) => log.warn({ err: error }, 'direct-ingest MQTT error'));
  let reconnecting = false;
  client.on('connect', (connack) => {
    log.info({ sessionPresent: connack.sessionPresent, subscription }, 'direct-ingest MQTT connected');
    // The first subscription is made below; after a reconnect, only if the broker lost the session.
    if (!reconnecting || connack.sessionPresent) {
      reconnecting = true;
      return;
    }
    client.subscribe(subscription, { qos: 1 }, (error) => {
      if (error) log.error({ err: error, subscription }, 'direct-ingest MQTT subscribe failed');
    });
  });
  await new Promise<void>((resolve, reject) => {
    const timeoutMs = parameters.connectTimeoutMs ?? 10_000;
    const timer = setTimeout(() => {
      client.end(true);
      reject(new Error(`could not reach the MQTT broker ${settings.url} within ${timeoutMs} ms`));
    }, timeoutMs);
    client.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  // The first subscription must be in place before start-up reports the transport ready.
  await client.subscribeAsync(subscription, { qos: 1 });
  return {
    name: 'mqtt',
    subscription,
    async stop() {
      stopping = true;
      // Frames not yet acknowledged stay in the session on the broker.
      await client.endAsync(true);
    },
  };
}
