import type { FastifyInstance } from 'fastify';
import type { FrameBus, FrameBusConsumer } from '../bus/frame-bus.ts';
import { createInProcessFrameBus } from '../bus/in-process-frame-bus.ts';
import type { CloudContext } from '../context.ts';
import { type AcceptDirectFrameParameters, acceptDirectFrame } from './accept-direct-frame.ts';
import type { DirectIngestConfig } from './direct-ingest-config.ts';
import {
  createDirectIngestMetrics,
  type DirectIngestMetrics,
  directIngestMetricFamilies,
} from './direct-ingest-metrics.ts';
import type { DirectTransport } from './direct-transport.ts';
import { loadDirectIngestEdge } from './load-direct-ingest-edge.ts';
import { sequenceDirectFrames } from './sequence-direct-frames.ts';
import { startCoapTransport } from './start-coap-transport.ts';
import { startHttpsTransport } from './start-https-transport.ts';
import { startMqttTransport } from './start-mqtt-transport.ts';
import { createVerifiedSignatures, type VerifiedSignatures } from './verified-signatures.ts';

/** Longest a stop waits for the sequencer to log what the in-process bus still holds. */
const drainTimeoutMs = 5_000;

export interface StartDirectIngestOptions {
  /** The bus; the in-process bus (`busFramesMax`) when omitted. A given bus is not closed on stop. */
  bus?: FrameBus;
  /** Run the sequencer step in this process (default true; a pure ingest node sets false). */
  sequencer?: boolean;
}

/** The running direct-ingest pipeline. */
export interface DirectIngest {
  /** The direct-ingest edge id (register direct devices with it). */
  edgeId: string;
  /** The frame bus between the transports and the sequencer. */
  bus: FrameBus;
  /** Counters. */
  metrics: DirectIngestMetrics;
  /** Signatures verified by the verify step and not yet re-used by the sequencer (counters). */
  verifiedSignatures: VerifiedSignatures;
  /** The verify step, for a transport the host runs itself. */
  accept(parameters: AcceptDirectFrameParameters): ReturnType<typeof acceptDirectFrame>;
  /** The CoAP server's UDP port, when CoAP is on. */
  coapPort: number | undefined;
  /** The MQTT subscription, when MQTT is on. */
  mqttSubscription: string | undefined;
  /** Start the transports that need no HTTP listener (CoAP, MQTT); call after the API listens. */
  startTransports(): Promise<void>;
  /** Stop the transports, then the sequencer (un-acked frames stay on the bus), then the own bus. */
  stop(): Promise<void>;
}

/**
 * Start direct ingest (docs/direct-ingest.md): register the cloud's direct-ingest edge, open the bus,
 * register the HTTPS route when on, and start the sequencer step consuming the bus; CoAP and MQTT
 * start with `startTransports()`. Precondition: called before the API listens (the route is
 * registered on `app`), once per process.
 */
export async function startDirectIngest(
  context: CloudContext,
  app: FastifyInstance,
  settings: DirectIngestConfig,
  options: StartDirectIngestOptions = {},
): Promise<DirectIngest> {
  const edge = await loadDirectIngestEdge(context.store, {
    dataDir: context.config.dataDir,
    edgeId: settings.edgeId,
    nowMs: context.clock(),
  });
  const ownBus = options.bus === undefined;
  const bus =
    options.bus ??
    createInProcessFrameBus({
      busFramesMax: settings.busFramesMax,
      publishWaitMs: settings.publishWaitMs,
    });
  const metrics = createDirectIngestMetrics();
  const log = context.log.child({ module: 'direct-ingest' });
  // A frame verified here is not verified again by this process's sequencer (bounded like the bus).
  const verifiedSignatures = createVerifiedSignatures({ entriesMax: settings.busFramesMax });
  const accept = (parameters: AcceptDirectFrameParameters) =>
    acceptDirectFrame(
      { context, bus, edge, frameBytesMax: settings.frameBytesMax, metrics, verifiedSignatures },
      parameters,
    );
  context.metricSources = [
    ...(context.metricSources ?? []),
    async () => directIngestMetricFamilies(metrics, await bus.depth()),
  ];

  const transports: DirectTransport[] = [];
  if (settings.https) {
    transports.push(
      await startHttpsTransport(app, {
        accept,
        frameBytesMax: settings.frameBytesMax,
        directFramesMax: settings.directFramesMax,
      }),
    );
  }
  let consumer: FrameBusConsumer | undefined;
  if (options.sequencer !== false) {
    consumer = bus.consume(
      async (deliveries) => {
        try {
          await sequenceDirectFrames(context, {
            deliveries,
            edge,
            batchFramesMax: Math.min(settings.batchFramesMax, context.config.limits.batchFramesMax),
            retryDelayMs: settings.retryDelayMs,
            metrics,
            verifiedSignatures,
          });
        } catch (error) {
          // Not a retry the step knows: give the frames back after a pause and say so loudly.
          log.error({ err: error, frames: deliveries.length }, 'direct batch failed; frames go back to the bus');
          for (const delivery of deliveries) await delivery.nak(settings.retryDelayMs);
        }
      },
      { max: Math.min(settings.batchFramesMax, context.config.limits.batchFramesMax), waitMs: settings.batchWaitMs },
    );
  }

  const result: DirectIngest = {
    edgeId: edge.edgeId,
    bus,
    metrics,
    verifiedSignatures,
    accept,
    coapPort: undefined,
    mqttSubscription: undefined,
    async startTransports() {
      if (settings.coap) {
        const coap = await startCoapTransport({ accept, host: settings.coap.host, port: settings.coap.port, log });
        transports.push(coap);
        result.coapPort = coap.port;
      }
      if (settings.mqtt) {
        const mqttTransport = await startMqttTransport({
          accept,
          settings: settings.mqtt,
          retryDelayMs: settings.retryDelayMs,
          log,
        });
        transports.push(mqttTransport);
        result.mqttSubscription = mqttTransport.subscription;
      }
      log.info(
        { edgeId: edge.edgeId, transports: transports.map((transport) => transport.name), coapPort: result.coapPort },
        'direct ingest running',
      );
    },
    async stop() {
      for (const transport of transports.splice(0).reverse()) await transport.stop();
      // A graceful stop logs what the bus holds first: the in-process bus does not outlive the process.
      if (consumer && ownBus) {
        const deadline = context.clock() + drainTimeoutMs;
        while ((await bus.depth()) > 0 && context.clock() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
      await consumer?.stop();
      if (ownBus) await bus.close();
    },
  };
  return result;
}
