/**
 * The MQTT topic map. Devices publish signed frames (JSON) with QoS 1 to
 * `fieldproof/v1/frames/{deviceId}`; the edge subscribes to the wildcard.
 */
export const topics = {
  /** Where a device publishes its frames. */
  frames: (deviceId: string): string => `fieldproof/v1/frames/${deviceId}`,
  /** The edge's subscription to all device frames. */
  framesWildcard: 'fieldproof/v1/frames/+',
  /** Device id from a frames topic, or undefined if the topic is not one. */
  deviceIdFromFramesTopic(topic: string): string | undefined {
    const prefix = 'fieldproof/v1/frames/';
    if (!topic.startsWith(prefix)) return undefined;
    const deviceId = topic.slice(prefix.length);
    return deviceId.length > 0 && !deviceId.includes('/') ? deviceId : undefined;
  },
  /**
   * Where a device that talks to the cloud directly (no edge) publishes its frames; the cloud's
   * direct MQTT ingest subscribes to the wildcard, so edge and cloud never take each other's frames.
   */
  directFrames: (deviceId: string): string => `fieldproof/v1/direct/frames/${deviceId}`,
  /** The cloud's direct-ingest subscription to all direct devices' frames. */
  directFramesWildcard: 'fieldproof/v1/direct/frames/+',
  /** Where the cloud publishes a refused direct frame's `{code, message}`: `<prefix>/<deviceId>`. */
  directRejectsPrefix: 'fieldproof/v1/direct/rejects',
  /**
   * Where a broker that checks client certificates (mTLS) reroutes a frame published by a device
   * whose certificate names another device than the topic: the edge quarantines whatever arrives
   * here as `device_certificate_mismatch`. The last level is the device id of the certificate.
   */
  certificateMismatch: (certificateDeviceId: string): string =>
    `fieldproof/v1/certificate-mismatch/${certificateDeviceId}`,
  /** The edge's subscription to rerouted frames. */
  certificateMismatchWildcard: 'fieldproof/v1/certificate-mismatch/+',
  /** Certificate device id from a certificate-mismatch topic, or undefined if the topic is not one. */
  deviceIdFromCertificateMismatchTopic(topic: string): string | undefined {
    const prefix = 'fieldproof/v1/certificate-mismatch/';
    if (!topic.startsWith(prefix)) return undefined;
    const deviceId = topic.slice(prefix.length);
    return deviceId.length > 0 && !deviceId.includes('/') ? deviceId : undefined;
  },
} as const;
