import { createWakeableSleep, FieldproofError } from '@fieldproof/protocol';
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  DiscardPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { connect, headers, type NatsConnection, nanos } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { BusDelivery, BusFrame, FrameBus, FrameBusConsumeOptions, FrameBusConsumer } from './frame-bus.ts';

/** Settings of the JetStream bus (the `scaleOut.bus` block of the cloud config). */
export interface JetStreamFrameBusOptions {
  /** NATS server(s), e.g. `nats://127.0.0.1:4222`. */
  servers: string | string[];
  /** Stream name (one stream holds every log's subject). */
  stream: string;
  /** Subject prefix: frames of log `<logId>` go to `<subjectPrefix>.<logId>.frames`. */
  subjectPrefix: string;
  /** The log this bus feeds: one durable consumer (its sequencer) per log. */
  logId: string;
  /** Window in which a second publish with the same `Nats-Msg-Id` is dropped by the server. */
  duplicateWindowMs: number;
  /** How long a delivery may stay un-acked before the server delivers it again. */
  ackWaitMs: number;
  /** Most frames held by the stream (accepted, not yet acked); publish fails with `bus_full` beyond. */
  busFramesMax: number;
  /** Most deliveries out to the sequencer un-acked at once (bounds its memory). */
  ackPendingMax: number;
  /** Longest wait for a PubAck before publish fails with `bus_unavailable`. */
  publishTimeoutMs: number;
  /** Connection name shown by the server (`nats-server` monitoring). */
  name?: string;
  /** Logger for reconnects and consumer restarts. */
  log?: Logger;
}

/** A log id as one NATS subject token: letters, digits, `-` and `_` only. */
const subjectTokenPattern = /^[A-Za-z0-9_-]{1,64}$/;

const receivedAtHeader = 'Fieldproof-Received-At-Ms';
const sourceHeader = 'Fieldproof-Source';

/**
 * Open the frame bus on NATS JetStream: create (or update) the file-backed work-queue stream and
 * the log's durable pull consumer, and reconnect forever when the server goes away. Frames
 * published with the same id within `duplicateWindowMs` are stored once (`Nats-Msg-Id`); a
 * delivery not acked within `ackWaitMs` is delivered again, so the consumer must be idempotent
 * (the store's (device, seq) key). Precondition: the NATS server runs with JetStream (`-js`).
 */
export async function openJetStreamFrameBus(options: JetStreamFrameBusOptions): Promise<FrameBus> {
  if (!subjectTokenPattern.test(options.logId)) {
    throw new Error(`scale-out bus: logId ${JSON.stringify(options.logId)} must match ${subjectTokenPattern}`);
  }
  const subject = `${options.subjectPrefix}.${options.logId}.frames`;
  const durable = `sequencer-${options.logId}`;
  const log = options.log;
  const connection: NatsConnection = await connect({
    servers: options.servers,
    name: options.name ?? 'fieldproof',
    // Reconnect forever: an ingest node or sequencer outlives any NATS restart.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: true,
    pingInterval: 5_000,
  });
  void (async () => {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect') log?.warn({ nats: status.type }, 'nats bus');
    }
  })();
  const manager: JetStreamManager = await jetstreamManager(connection);
  await ensureStream(manager, options, subject);
  await ensureConsumer(manager, options, subject, durable);
  const client: JetStreamClient = jetstream(connection);
  const consumers = new Set<FrameBusConsumer>();

  return {
    async publish(frame: BusFrame): Promise<void> {
      const meta = headers();
      meta.set(receivedAtHeader, String(frame.receivedAtMs));
      meta.set(sourceHeader, frame.source);
      try {
        await client.publish(subject, frame.bytes, {
          msgID: frame.id,
          headers: meta,
          timeout: options.publishTimeoutMs,
        });
      } catch (error) {
        const message = (error as Error).message ?? String(error);
        // discard=new: the server refuses a publish once the stream holds busFramesMax frames.
        if (/maximum messages|maximum bytes|resource limits/i.test(message)) {
          throw new FieldproofError('bus_full', `the bus holds busFramesMax ${options.busFramesMax} frames; retry`);
        }
        throw new FieldproofError('bus_unavailable', `the frame bus (NATS JetStream) did not accept: ${message}`);
      }
    },

    consume(handler, consumeOptions): FrameBusConsumer {
      const running = startConsumer(client, options, durable, handler, consumeOptions);
      consumers.add(running);
      return {
        async stop() {
          consumers.delete(running);
          await running.stop();
        },
      };
    },

    async depth(): Promise<number> {
      const info = await manager.consumers.info(options.stream, durable);
      return info.num_pending + info.num_ack_pending;
    },

    async close(): Promise<void> {
      for (const running of [...consumers]) await running.stop();
      consumers.clear();
      await connection.drain().catch(() => connection.close());
    },
  };
}

async function ensureStream(manager: JetStreamManager, options: JetStreamFrameBusOptions, subject: string) {
  const config = {
    name: options.stream,
    subjects: [`${options.subjectPrefix}.*.frames`],
    storage: StorageType.File,
    // A frame leaves the stream once its sequencer acked it: the stream is a queue, not an archive
    // (the log is the archive).
    retention: RetentionPolicy.Workqueue,
    discard: DiscardPolicy.New,
    max_msgs: options.busFramesMax,
    duplicate_window: nanos(options.duplicateWindowMs),
  };
  try {
    const info = await manager.streams.info(options.stream);
    if (!info.config.subjects?.includes(config.subjects[0] as string)) {
      throw new Error(`stream ${options.stream} exists without subject ${subject}`);
    }
    await manager.streams.update(options.stream, {
      max_msgs: config.max_msgs,
      duplicate_window: config.duplicate_window,
      discard: config.discard,
    });
  } catch (error) {
    if (!/stream not found/i.test((error as Error).message)) throw error;
    await manager.streams.add(config);
  }
}

async function ensureConsumer(
  manager: JetStreamManager,
  options: JetStreamFrameBusOptions,
  subject: string,
  durable: string,
) {
  const config = {
    durable_name: durable,
    filter_subject: subject,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(options.ackWaitMs),
    max_ack_pending: options.ackPendingMax,
    // Unlimited redelivery: a frame is dropped only by an ack (logged or quarantined), never by a count.
    max_deliver: -1,
  };
  try {
    await manager.consumers.info(options.stream, durable);
    await manager.consumers.update(options.stream, durable, {
      ack_wait: config.ack_wait,
      max_ack_pending: config.max_ack_pending,
    });
  } catch (error) {
    if (!/consumer not found/i.test((error as Error).message)) throw error;
    await manager.consumers.add(options.stream, config);
  }
}

function toDelivery(message: JsMsg): BusDelivery {
  const receivedAtMs = Number(message.headers?.get(receivedAtHeader) ?? '0');
  const frame: BusFrame = {
    id: message.headers?.get('Nats-Msg-Id') ?? `${message.info.stream}:${message.seq}`,
    // A copy: the message's data may be a view into the connection's read buffer.
    bytes: new Uint8Array(message.data),
    receivedAtMs: Number.isSafeInteger(receivedAtMs) ? receivedAtMs : 0,
    source: message.headers?.get(sourceHeader) ?? 'unknown',
  };
  let settled = false;
  return {
    frame,
    async ack() {
      if (settled) return;
      settled = true;
      // A plain ack, not a confirmed one (ackAck): the sequencer acks every frame of a batch, and a
      // round trip each would cap its rate. An ack lost to a NATS restart only brings the frame
      // back after ack_wait, and the store's (device, seq) key drops it.
      message.ack();
    },
    async nak(delayMs?: number) {
      if (settled) return;
      settled = true;
      message.nak(delayMs);
    },
  };
}

/**
 * The consumer loop: NATS pushes pulled messages into a local buffer (bounded by the consumer's
 * max_ack_pending); the loop hands what has arrived, up to `max`, to the handler, so under load
 * each handler call gets a full batch (group commit) and at low rates a frame waits for no timer.
 */
function startConsumer(
  client: JetStreamClient,
  options: JetStreamFrameBusOptions,
  durable: string,
  handler: (deliveries: BusDelivery[]) => Promise<void>,
  consumeOptions: FrameBusConsumeOptions,
): FrameBusConsumer {
  const log = options.log;
  const buffer: JsMsg[] = [];
  let stopped = false;
  let messages: ConsumerMessages | undefined;
  // The loop sleeps while the buffer is empty; an arriving message or stop() wakes it.
  const idle = createWakeableSleep();

  const pump = (async () => {
    while (!stopped) {
      try {
        const consumer = await client.consumers.get(options.stream, durable);
        messages = await consumer.consume({
          max_messages: Math.max(consumeOptions.max * 2, 2),
          expires: Math.max(consumeOptions.waitMs, 1_000),
        });
        for await (const message of messages) {
          buffer.push(message);
          idle.wake();
        }
      } catch (error) {
        if (stopped) break;
        log?.warn({ err: error }, 'bus consumer interrupted; pulling again');
      }
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();

  const loop = (async () => {
    while (!stopped) {
      if (buffer.length === 0) {
        await idle.sleep(consumeOptions.waitMs);
        continue;
      }
      const taken = buffer.splice(0, consumeOptions.max);
      const deliveries = taken.map((message) => toDelivery(message));
      try {
        await handler(deliveries);
      } catch (error) {
        log?.error({ err: error, frames: deliveries.length }, 'bus handler failed; frames will be redelivered');
        for (const delivery of deliveries) await delivery.nak(1_000);
      }
    }
  })();

  return {
    async stop() {
      stopped = true;
      idle.wake();
      messages?.stop();
      await loop;
      // Frames pulled but not handed over go back at once, not after ack_wait.
      for (const message of buffer.splice(0)) message.nak();
      await pump;
    },
  };
}
