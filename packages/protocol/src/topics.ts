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
} as const;
