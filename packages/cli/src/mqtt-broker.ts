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
  return {
    url: `${tls ? 'mqtts' : 'mqtt'}://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    port,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
