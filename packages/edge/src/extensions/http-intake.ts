import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { ErrorCodes, formatPrometheusText, tlsServerOptions } from '@fieldproof/protocol';
import Fastify, { type FastifyInstance } from 'fastify';
import type { EdgeContext, EdgeExtension } from '../context.ts';
import type { EdgeStatus } from '../gateway.ts';
import { certificateMismatchTopic } from '../tls/certificate-mismatch-topic.ts';

/** The edge's HTTP listener: frame intake for HTTPS devices, and status and quarantine reads. */
export function createHttpIntakeExtension(
  context: EdgeContext,
  status: () => EdgeStatus,
): EdgeExtension & { address(): string | undefined } {
  const { config, store, events } = context;
  let app: FastifyInstance | undefined;
  let address: string | undefined;
  // Above the frame limit so an oversize frame is read, quarantined and counted, not cut off.
  const bodyLimit = Math.max(config.limits.frameBytesMax * 4, 1_048_576);
  const waiters = new Map<
    number,
    (verdict: { accepted: true } | { accepted: false; code: string; message: string }) => void
  >();
  const onVerdict = (
    rawId: number,
    verdict: { accepted: true } | { accepted: false; code: string; message: string },
  ) => {
    const waiter = waiters.get(rawId);
    if (waiter) {
      waiters.delete(rawId);
      waiter(verdict);
    }
  };

  return {
    name: 'http-intake',
    address: () => address,
    async start() {
      const settings = config.http;
      if (!settings) return;
      const tls = settings.tls;
      const mutual = tls?.clientCertificates === 'require';
      app = Fastify({
        bodyLimit,
        logger: false,
        serverFactory: (handler) =>
          tls ? (createHttpsServer(tlsServerOptions(tls), handler) as unknown as Server) : createHttpServer(handler),
      });
      app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
      events.on('verdict', onVerdict);

      app.post('/v1/frames', async (request, reply) => {
        if (context.backlog.full) {
          return reply
            .code(503)
            .header('retry-after', '5')
            .send({
              error: {
                code: 'intake_busy',
                message: 'the edge outbox is at outboxFramesMax; retry when the uplink has caught up',
              },
            });
        }
        if (waiters.size >= config.limits.httpPendingMax) {
          return reply
            .code(503)
            .header('retry-after', '1')
            .send({
              error: {
                code: 'intake_busy',
                message: `more than httpPendingMax ${config.limits.httpPendingMax} frames wait for a verdict`,
              },
            });
        }
        const payload = Buffer.isBuffer(request.body)
          ? request.body
          : Buffer.from(JSON.stringify(request.body ?? null));
        // With mTLS a frame whose device is not the certificate's goes to quarantine under the
        // certificate-mismatch topic (verify.ts gives it its code); a matching one enters as before.
        const topic = mutual
          ? certificateMismatchTopic((request.raw.socket as TLSSocket).getPeerCertificate(), payload)
          : null;
        const rawId = store.insertRaw(context.clock(), 'http', topic, payload);
        context.backlog.added();
        const verdict = await new Promise<{ accepted: true } | { accepted: false; code: string; message: string }>(
          (resolve) => {
            waiters.set(rawId, resolve);
            events.emit('raw');
          },
        );
        if (verdict.accepted) return reply.code(202).send({ accepted: true });
        const status = ErrorCodes[verdict.code as keyof typeof ErrorCodes]?.status ?? 400;
        return reply.code(status).send({ error: { code: verdict.code, message: verdict.message } });
      });
      app.get('/v1/status', async () => status());
      app.get('/metrics', async (_request, reply) => {
        const current = status();
        const text = formatPrometheusText([
          {
            name: 'fieldproof_edge_inbox_frames',
            help: 'Frames received and not yet verified.',
            type: 'gauge',
            samples: [{ value: current.inbox }],
          },
          {
            name: 'fieldproof_edge_frames_total',
            help: 'Frames accepted by this edge.',
            type: 'counter',
            samples: [{ value: current.frames }],
          },
          {
            name: 'fieldproof_edge_batches_total',
            help: 'Batches signed by this edge.',
            type: 'counter',
            samples: [{ value: current.batches }],
          },
          {
            name: 'fieldproof_edge_batches_sent_total',
            help: 'Batches the cloud accepted.',
            type: 'counter',
            samples: [{ value: current.batchesSent }],
          },
          {
            name: 'fieldproof_edge_outbox_batches',
            help: 'Signed batches not yet accepted by the cloud.',
            type: 'gauge',
            samples: [{ value: current.outbox.batches }],
          },
          {
            name: 'fieldproof_edge_outbox_frames',
            help: 'Frames in unsent batches.',
            type: 'gauge',
            samples: [{ value: current.outbox.frames }],
          },
          {
            name: 'fieldproof_edge_outbox_oldest_age_seconds',
            help: 'Age of the oldest unsent batch (0 when none).',
            type: 'gauge',
            samples: [{ value: (current.outbox.oldestAgeMs ?? 0) / 1000 }],
          },
          {
            name: 'fieldproof_edge_rejects_total',
            help: 'Rejected frames by code (each kept in quarantine).',
            type: 'counter',
            samples: Object.entries(current.rejects).map(([code, value]) => ({ labels: { code }, value })),
          },
          {
            name: 'fieldproof_edge_duplicates_total',
            help: 'Exact re-deliveries absorbed (QoS 1).',
            type: 'counter',
            samples: [{ value: current.duplicates }],
          },
          {
            name: 'fieldproof_edge_back_pressure',
            help: '1 while the outbox is at its bound.',
            type: 'gauge',
            samples: [{ value: current.backPressure ? 1 : 0 }],
          },
          {
            name: 'fieldproof_edge_acquisition_errors_total',
            help: 'Failed connects, reads and lost connections of keyless devices (Modbus, OPC UA).',
            type: 'counter',
            samples: Object.entries(current.acquisition).map(([deviceId, device]) => ({
              labels: { device: deviceId, source: device.source },
              value: device.errors,
            })),
          },
          {
            name: 'fieldproof_edge_acquisition_connected',
            help: '1 while a keyless device (or its OPC UA server) answers.',
            type: 'gauge',
            samples: Object.entries(current.acquisition).map(([deviceId, device]) => ({
              labels: { device: deviceId, source: device.source },
              value: device.connected ? 1 : 0,
            })),
          },
        ]);
        return reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(text);
      });
      app.get<{ Querystring: { after?: string; limit?: string } }>('/v1/quarantine', async (request) => {
        const after = Number.parseInt(request.query.after ?? '0', 10) || 0;
        const limit = Math.min(Math.max(Number.parseInt(request.query.limit ?? '100', 10) || 100, 1), 1000);
        const rows = store.quarantine(after, limit);
        return {
          items: rows.map((row) => ({
            id: row.id,
            receivedAtMs: row.received_at_ms,
            source: row.source,
            topic: row.topic,
            code: row.code,
            message: row.message,
            deviceId: row.device_id,
            payloadBytes: row.payload_bytes,
            payloadBase64: row.payload.toString('base64'),
          })),
          next: rows.length === limit ? rows[rows.length - 1]?.id : null,
        };
      });
      await app.listen({ host: settings.host, port: settings.port });
      const info = app.server.address() as AddressInfo;
      address = `${tls ? 'https' : 'http'}://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${info.port}`;
    },
    async stop() {
      events.off('verdict', onVerdict);
      if (app) await app.close();
    },
  };
}
