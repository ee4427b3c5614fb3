import { IdSchema, TlsFilesSchema, topics } from '@fieldproof/protocol';
import { z } from 'zod';

/** The edge id the cloud's own direct-ingest step signs its batches as (direct devices register with it). */
export const directIngestEdgeIdDefault = 'cloud-direct';

/**
 * `cloud.directIngest`: devices that talk to the cloud directly (docs/direct-ingest.md). Each
 * transport is off unless configured; the limits are enforced where a frame enters the cloud.
 */
export const DirectIngestConfigSchema = z
  .object({
    /** The edge id of the cloud's direct-ingest step; register direct devices with it. */
    edgeId: IdSchema.default(directIngestEdgeIdDefault),
    /** HTTPS: `POST /v1/ingest/frames` on the API listener. */
    https: z.boolean().default(false),
    /** CoAP over UDP: `POST /frames`. Omitted: no CoAP server. */
    coap: z
      .object({
        /** UDP port; 0 picks a free one (5683 is CoAP's default). */
        port: z.number().int().min(0).max(65535).default(5683),
        /** Listen host. */
        host: z.string().min(1).default('127.0.0.1'),
      })
      .strict()
      .optional(),
    /** MQTT: subscribe to the direct devices' frame topic on a broker. Omitted: no MQTT client. */
    mqtt: z
      .object({
        /** Broker URL: mqtt://host:1883, or mqtts://host:8883 with tls. */
        url: z.string().min(1),
        /**
         * MQTT 5 shared subscription group: with it the client subscribes `$share/<group>/<topic>`
         * and the broker splits the frames among every ingest node of the group.
         */
        sharedGroup: z
          .string()
          .regex(/^[A-Za-z0-9._-]{1,64}$/, 'a group name of A–Z a–z 0–9 . _ - (no / + #)')
          .optional(),
        /** Topic filter whose last level `+` is the device id. */
        topic: z
          .string()
          .regex(/^([^#+]+\/)?\+$/, 'a topic filter ending in /+ (the device id level), no other wildcards')
          .default(topics.directFramesWildcard),
        /**
         * MQTT protocol version: 5 (shared subscriptions, PUBACK reason codes) or 4 (3.1.1, for a
         * broker without MQTT 5 such as the embedded Aedes).
         */
        protocolVersion: z.union([z.literal(4), z.literal(5)]).default(5),
        /** Where a refused frame's verdict `{code, message}` is published (QoS 0), under `/<deviceId>`. */
        rejectTopicPrefix: z
          .string()
          .regex(/^[^#+]+$/, 'a topic without wildcards')
          .default(topics.directRejectsPrefix),
        /** Client id; fixed per ingest node, so the broker keeps its session and the frames in flight. */
        clientId: z.string().min(1).max(128),
        /** How long the broker keeps the session (and its un-acknowledged frames) while the node is away. */
        sessionExpirySeconds: z.number().int().min(0).max(4_294_967_295).default(86_400),
        /** Broker credentials. */
        username: z.string().optional(),
        password: z.string().optional(),
        /** For mqtts: the CA to trust and, for mTLS, this node's certificate and key. */
        tls: TlsFilesSchema.optional(),
      })
      .strict()
      .refine((mqtt) => mqtt.sharedGroup === undefined || mqtt.protocolVersion === 5, {
        message: 'a shared subscription (sharedGroup) needs protocolVersion 5',
        path: ['sharedGroup'],
      })
      .optional(),
    /** Largest frame in bytes, on every transport. */
    frameBytesMax: z.number().int().min(256).max(1_048_576).default(16_384),
    /** Most frames in one HTTPS upload (a JSON array). */
    directFramesMax: z.number().int().min(1).max(10_000).default(100),
    /** Most frames on the in-process bus not yet in the log; more are refused with bus_full. */
    busFramesMax: z.number().int().min(1).max(10_000_000).default(100_000),
    /**
     * In-process bus: longest a sender waits for its frame to be committed before it is answered
     * `bus_unavailable` (503; the frame stays on the bus and, sent again, is logged once).
     */
    publishWaitMs: z.number().int().min(1).max(600_000).default(30_000),
    /** Most frames the sequencer puts in one batch. */
    batchFramesMax: z.number().int().min(1).max(10_000).default(1_000),
    /** Longest the sequencer waits for a first frame before it pulls again. */
    batchWaitMs: z.number().int().min(1).max(60_000).default(200),
    /** Pause before a batch the store could not take is tried again. */
    retryDelayMs: z.number().int().min(1).max(60_000).default(500),
  })
  .strict();
export type DirectIngestConfig = z.infer<typeof DirectIngestConfigSchema>;
export type DirectIngestConfigInput = z.input<typeof DirectIngestConfigSchema>;
