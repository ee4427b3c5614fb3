import type { FastifyInstance } from 'fastify';
import { JsonObjectSchema } from '../api/openapi-schemas.ts';
import type { RequireReader } from '../auth/require-reader.ts';
import type { CloudContext } from '../context.ts';

/** How often a stream looks for changes, ms. */
export const streamPollIntervalMs = 1_000;
/** Most alerts one poll sends. */
export const streamAlertsPerPollMax = 50;
/** Most streams open at once: each holds a socket and a timer. */
export const streamsOpenMax = 200;
/** A comment line this often keeps proxies from closing an idle stream, ms. */
export const streamKeepAliveMs = 15_000;

/**
 * GET /v1/stream: server-sent events for the console. `status` carries the log size and the
 * latest checkpoint size whenever either changes; `alert` carries each alert raised or changed
 * after the stream opened (newest raised first per poll). Readable by any authenticated principal
 * or the admin token (the console reads it with fetch, so the bearer header goes with it).
 * Polls the store rather than hooking the writers, so every cloud node serves the same stream.
 */
export async function streamRoutes(
  app: FastifyInstance,
  context: CloudContext,
  requireReader: RequireReader,
): Promise<void> {
  let open = 0;
  const responses = new Set<{ end(): void }>();
  // End open streams before the server closes, or close() would wait on them.
  app.addHook('preClose', async () => {
    for (const response of responses) response.end();
  });
  app.get(
    '/v1/stream',
    {
      config: {
        openapi: {
          operationId: 'streamUpdates',
          summary: 'Server-sent events: log size and new alerts.',
          tags: ['console'],
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      requireReader(request);
      if (open >= streamsOpenMax) {
        return reply
          .code(503)
          .header('retry-after', '5')
          .send({ error: { code: 'intake_busy', message: `at most ${streamsOpenMax} streams may be open` } });
      }
      open += 1;
      reply.hijack();
      const response = reply.raw;
      responses.add(response);
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const send = (event: string, data: unknown) => {
        response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      let lastStatus = '';
      // Alerts last seen or changed after this moment are new to this stream.
      const sinceMs = context.clock();
      const seen = new Map<string, number>();
      let lastKeepAliveMs = context.clock();
      let polling = false;
      const poll = async () => {
        if (polling) return;
        polling = true;
        try {
          const checkpoint = await context.store.latestCheckpoint();
          const status = { logSize: context.sequencer.size, checkpointSize: checkpoint?.size ?? 0 };
          const statusKey = JSON.stringify(status);
          if (statusKey !== lastStatus) {
            lastStatus = statusKey;
            send('status', status);
          }
          const { alerts } = await context.alerts.list({ limit: streamAlertsPerPollMax });
          const nowMs = context.clock();
          for (const alert of alerts) {
            const changedAtMs = Math.max(alert.lastSeenAtMs, alert.history.at(-1)?.atMs ?? 0);
            if (changedAtMs < sinceMs || seen.get(alert.alertId) === changedAtMs) continue;
            seen.set(alert.alertId, changedAtMs);
            send('alert', {
              alertId: alert.alertId,
              rule: alert.rule,
              severity: alert.severity,
              state: alert.state,
              subjectId: alert.subjectId,
              message: alert.message,
            });
          }
          if (seen.size > streamAlertsPerPollMax * 20) seen.clear();
          if (nowMs - lastKeepAliveMs >= streamKeepAliveMs) {
            lastKeepAliveMs = nowMs;
            response.write(': keep-alive\n\n');
          }
        } catch (error) {
          context.log.warn({ err: error }, 'stream poll failed');
        } finally {
          polling = false;
        }
      };
      const timer = setInterval(() => void poll(), streamPollIntervalMs);
      void poll();
      request.raw.on('close', () => {
        clearInterval(timer);
        responses.delete(response);
        open -= 1;
      });
    },
  );
}
