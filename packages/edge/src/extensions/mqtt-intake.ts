import { readTlsFiles, topics } from '@fieldproof/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import type { EdgeContext, EdgeExtension } from '../context.ts';

/**
 * MQTT acquisition: subscribes to every device's frames topic with QoS 1 in a persistent session
 * and writes each payload to the durable inbox before mqtt.js sends the PUBACK, so a frame the
 * broker hands over is never acknowledged before it is on disk. Verification happens after, in
 * chunks (see verify.ts); a reject is quarantined, never dropped.
 */
export function createMqttIntakeExtension(context: EdgeContext): EdgeExtension {
  const { config, store, events, log } = context;
  let client: MqttClient | undefined;
  return {
    name: 'mqtt-intake',
    async start() {
      const settings = config.mqtt;
      if (!settings) return;
      client = mqtt.connect(settings.url, {
        clientId: settings.clientId ?? `fieldproof-edge-${config.edgeId}`,
        clean: false,
        protocolVersion: 4,
        reconnectPeriod: 1_000,
        connectTimeout: 10_000,
        ...(settings.username === undefined ? {} : { username: settings.username }),
        ...(settings.password === undefined ? {} : { password: settings.password }),
        ...(settings.tls ? readTlsFiles(settings.tls) : {}),
      });
      // handleMessage runs before the PUBACK is sent; mqtt.js waits for its callback.
      // At the outbox bound the callback (and so the PUBACK, and the next message) waits for room:
      // the broker keeps the frames, nothing acknowledged is dropped.
      client.handleMessage = (packet, callback) => {
        const take = () => {
          try {
            const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
            store.insertRaw(context.clock(), 'mqtt', packet.topic, payload);
            context.backlog.added();
            events.emit('raw');
            callback();
          } catch (error) {
            // No PUBACK: the broker keeps the frame and delivers it again after reconnect.
            log.error({ err: error }, 'could not store an incoming frame; not acknowledging it');
            callback(error as Error);
          }
        };
        if (context.backlog.full) context.backlog.room().then(take, take);
        else take();
      };
      const connected = client;
      connected.on('error', (error) => log.warn({ err: error }, 'mqtt error'));
      connected.on('connect', (connack) => {
        log.info({ sessionPresent: connack.sessionPresent }, 'mqtt connected');
        // Frames a broker with mTLS rerouted because their certificate names another device: quarantined.
        connected.subscribe([topics.framesWildcard, topics.certificateMismatchWildcard], { qos: 1 }, (error) => {
          if (error) log.error({ err: error }, 'mqtt subscribe failed');
        });
      });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`could not reach MQTT broker ${settings.url} within 10 s`)),
          10_000,
        );
        connected.once('connect', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    async stop() {
      if (client) await client.endAsync();
    },
  };
}
