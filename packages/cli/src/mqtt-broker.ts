import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { type TlsListener, tlsServerOptions } from '@fieldproof/protocol';
import { Aedes } from 'aedes';
import { isAddressInUse, PortInUseError } from './port-in-use-error.ts';
import { applyBrokerCertificatePolicy } from './tls/broker-certificate-policy.ts';

/** A running in-process MQTT broker (Aedes) for the embedded mode. */
export interface EmbeddedBroker {
  /** URL for clients, e.g. mqtt://127.0.0.1:1883, or mqtts://127.0.0.1:8883 with tls. */
  url: string;
  /** The bound port. */
  port: number;
  /**
   * Hold the PUBACK of every QoS 1 publish from a client on a topic under `topicFilter` (a filter
   * ending in `/+`) until `handler` settles it: resolved, the broker acknowledges the publish (and
   * forwards it as usual); rejected, it drops the connection unacknowledged, so the client sends it
   * again. Aedes acknowledges a QoS 1 publish before any subscriber has it, so this is the only
   * place where "acknowledged" can mean "durable". Publishes of one socket read are held together,
   * not one after another. Call at most once.
   */
  holdPublishes(topicFilter: string, handler: (topic: string, payload: Buffer) => Promise<unknown>): void;
  /** True once close() was called. */
  closing(): boolean;
  /** Publish a message from the broker itself (QoS 0, not retained). */
  publish(topic: string, payload: string): void;
  close(): Promise<void>;
}

/**
 * Start Aedes on `host:port` (0 picks a free port). Throws PortInUseError, naming the flag to
 * change, if the port is taken.
 */
export async function startEmbeddedBroker(options: {
  host: string;
  port: number;
  flag?: string;
  /** mqtts: TLS on the listener, and with clientCertificates `require` mTLS and the certificate policy. */
  tls?: TlsListener;
}): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker({ maxTopicLevels: 16 });
  const tls = options.tls;
  if (tls?.clientCertificates === 'require') applyBrokerCertificatePolicy(broker);
  const server: Server = tls ? createTlsServer(tlsServerOptions(tls), broker.handle) : createServer(broker.handle);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    if (isAddressInUse(error)) throw new PortInUseError('mqtt', options.port, options.flag ?? '--mqtt-port');
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  let closing = false;
  return {
    url: `${tls ? 'mqtts' : 'mqtt'}://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    port,
    holdPublishes(topicFilter, handler) {
      const prefix = topicFilter.slice(0, -1); // the filter without its final `+`
      const authorize = broker.authorizePublish;
      broker.authorizePublish = (client, packet, callback) => {
        authorize.call(broker, client, packet, (error?: Error | null) => {
          const held = error == null && client !== null && packet.qos > 0 && packet.topic.startsWith(prefix);
          if (!held) return callback(error ?? null);
          const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
          handler(packet.topic, payload).then(
            () => callback(null),
            (reason: unknown) => callback(reason instanceof Error ? reason : new Error(String(reason))),
          );
        });
      };
    },
    publish(topic, payload) {
      broker.publish(
        { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 0, retain: false, dup: false },
        () => {},
      );
    },
    closing: () => closing,
    async close() {
      closing = true;
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
