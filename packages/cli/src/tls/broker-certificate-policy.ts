import type { TLSSocket } from 'node:tls';
import { type CertificateIdentity, certificateIdentity, topics } from '@fieldproof/protocol';
import type { Aedes, Client } from 'aedes';

function identityOf(client: Client): CertificateIdentity | undefined {
  const socket = client.conn as Partial<TLSSocket>;
  return typeof socket.getPeerCertificate === 'function' ? certificateIdentity(socket.getPeerCertificate()) : undefined;
}

/** How a certificate is named on a certificate-mismatch topic: the device id, or `edge:<id>`, or `unnamed`. */
function label(identity: CertificateIdentity | undefined): string {
  if (!identity) return 'unnamed';
  return identity.kind === 'device' ? identity.id : `${identity.kind}:${identity.id}`;
}

/**
 * The broker's side of mTLS (the TLS layer has already refused clients without a certificate of
 * the CA). A device publishes only under its certificate's id: a frame on another device's topic
 * is not refused (MQTT 3.1.1 would drop the connection, and the device's good frames with it) but
 * rerouted to `fieldproof/v1/certificate-mismatch/<certificate id>`, where the edge quarantines it
 * as `device_certificate_mismatch`. Only an edge's certificate may subscribe to frames.
 */
export function applyBrokerCertificatePolicy(broker: Aedes): void {
  broker.authorizePublish = (client, packet, callback) => {
    if (client === null) return callback(null);
    const identity = identityOf(client);
    const topicDeviceId = topics.deviceIdFromFramesTopic(packet.topic);
    const intoMismatch = topics.deviceIdFromCertificateMismatchTopic(packet.topic) !== undefined;
    if (
      intoMismatch ||
      (topicDeviceId !== undefined && !(identity?.kind === 'device' && identity.id === topicDeviceId))
    ) {
      packet.topic = topics.certificateMismatch(label(identity));
    }
    callback(null);
  };
  broker.authorizeSubscribe = (client, subscription, callback) => {
    // Frames are the devices' business data: a device (or anyone but an edge) may not read them,
    // nor subscribe to a wildcard that would cover them.
    const reads = /^(#|\+|fieldproof\/)/.test(subscription.topic);
    // A null subscription is answered with granted QoS 128 (failure); an error would close the connection.
    if (reads && identityOf(client)?.kind !== 'edge') return callback(null, null);
    callback(null, subscription);
  };
}
