import { createHash } from 'node:crypto';
import { canonicalize, FieldproofError, type MetricFamily } from '@fieldproof/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CloudContext } from '../context.ts';
import type { AuditTrailStore } from './audit-trail-store.ts';
import { callerSubject } from './caller-identity.ts';
import type { IdempotencyStore } from './idempotency-store.ts';
import { createRateLimiter } from './rate-limiter.ts';

/** Longest Idempotency-Key: printable ASCII, no spaces. */
export const idempotencyKeyLengthMax = 255;
/** Longest User-Agent kept in the audit trail. */
export const auditUserAgentLengthMax = 256;

const idempotencyKeyPattern = new RegExp(`^[\\x21-\\x7e]{1,${idempotencyKeyLengthMax}}$`);
const writeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
// Answers not worth replaying: the caller may fix its credentials or wait, then retry the same key.
const unstoredStatuses = new Set([401, 403, 429]);

/** Stores the API hooks write to. */
export interface ApiHookStores {
  idempotency: IdempotencyStore;
  auditTrail: AuditTrailStore;
}

function routeOf(request: FastifyRequest) {
  return { url: request.routeOptions.url ?? '', openapi: request.routeOptions.config?.openapi };
}

/** A /v1 route that a bearer credential (or nobody) calls, not an edge's signed request. */
function isApiRoute(request: FastifyRequest): boolean {
  const route = routeOf(request);
  return route.url.startsWith('/v1/') && route.openapi?.auth !== 'edge-signature';
}

function requestHash(body: unknown): string {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body === undefined ? '' : canonicalize(body));
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The cross-cutting behaviour of the /v1 API, as Fastify hooks on `app` (call before any route is
 * added): per-caller rate limits (preValidation, after the auth hook has set request.principal),
 * Idempotency-Key replay on writes (preHandler to claim, onSend to store the first answer), the
 * audit trail of state-changing calls and one structured log line per request (onResponse).
 * Edge-signed routes (ingest, edge operations) are idempotent by their own sequence numbers and
 * nonces and bounded by the ingest limits, so none of these three apply to them.
 */
export function installApiHooks(app: FastifyInstance, context: CloudContext, stores: ApiHookStores): void {
  const limiter = createRateLimiter();
  const limits = context.config.rateLimits;
  const claims = new WeakMap<FastifyRequest, { subject: string; key: string }>();
  let served = 0;
  context.metricSources = [
    ...(context.metricSources ?? []),
    async (): Promise<MetricFamily[]> => [
      {
        name: 'fieldproof_api_rate_limited_total',
        help: 'API requests refused with 429 rate_limited.',
        type: 'counter',
        samples: [{ value: limiter.refused }],
      },
      {
        name: 'fieldproof_api_requests_total',
        help: 'HTTP requests answered.',
        type: 'counter',
        samples: [{ value: served }],
      },
    ],
  ];

  app.addHook('preValidation', async (request, reply) => {
    if (!limits.enabled || !isApiRoute(request)) return;
    const anonymous = request.principal === undefined && request.headers.authorization === undefined;
    const taken = limiter.take(
      callerSubject(request),
      anonymous
        ? { requestsPerSecond: limits.anonymousRequestsPerSecond, burst: limits.anonymousBurst }
        : { requestsPerSecond: limits.requestsPerSecond, burst: limits.burst },
      context.clock(),
    );
    if (!taken.allowed) {
      reply.header('retry-after', String(taken.retryAfterSeconds));
      throw new FieldproofError('rate_limited', `too many requests; retry after ${taken.retryAfterSeconds} s`, {
        retryAfterSeconds: taken.retryAfterSeconds,
      });
    }
  });

  app.addHook('preHandler', async (request, reply) => {
    const header = request.headers['idempotency-key'];
    if (header === undefined || !writeMethods.has(request.method) || !isApiRoute(request)) return;
    if (typeof header !== 'string' || !idempotencyKeyPattern.test(header)) {
      throw new FieldproofError(
        'request_invalid',
        `Idempotency-Key must be 1–${idempotencyKeyLengthMax} printable ASCII characters without spaces`,
      );
    }
    const subject = callerSubject(request);
    const methodPath = `${request.method} ${request.url}`;
    const hash = requestHash(request.body);
    const claim = await stores.idempotency.claim({
      subject,
      key: header,
      methodPath,
      requestHash: hash,
      nowMs: context.clock(),
      ttlMs: context.config.idempotency.keyTtlMs,
    });
    if (claim.outcome === 'claimed') {
      claims.set(request, { subject, key: header });
      return;
    }
    if (claim.requestHash !== hash || claim.methodPath !== methodPath) {
      throw new FieldproofError(
        'idempotency_key_reused',
        'this Idempotency-Key was used with another request; a retry must repeat the method, path and body exactly',
        { firstRequest: claim.methodPath },
      );
    }
    if (claim.outcome === 'running') {
      throw new FieldproofError('idempotency_in_progress', 'the first request with this Idempotency-Key is running');
    }
    reply.code(claim.answer.status).header('idempotent-replayed', 'true');
    if (claim.answer.contentType) reply.header('content-type', claim.answer.contentType);
    return reply.send(claim.answer.body);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = claims.get(request);
    if (!claim) return payload;
    claims.delete(request);
    const storable =
      payload === null || payload === undefined || typeof payload === 'string' || Buffer.isBuffer(payload);
    if (!storable || reply.statusCode >= 500 || unstoredStatuses.has(reply.statusCode)) {
      await stores.idempotency.release(claim.subject, claim.key);
      return payload;
    }
    const contentType = reply.getHeader('content-type');
    await stores.idempotency.complete(claim.subject, claim.key, {
      status: reply.statusCode,
      contentType: contentType === undefined ? null : String(contentType),
      body: payload === null || payload === undefined ? '' : payload.toString(),
    });
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    served += 1;
    const claim = claims.get(request);
    if (claim) {
      // The answer never reached onSend (a dropped connection): free the key for a retry.
      claims.delete(request);
      await stores.idempotency.release(claim.subject, claim.key).catch(() => {});
    }
    const route = routeOf(request).url;
    const subject = request.principal?.subject;
    context.log.info(
      {
        requestId: request.id,
        method: request.method,
        route: route || null,
        status: reply.statusCode,
        latencyMs: Math.round(reply.elapsedTime),
        subject: subject ?? null,
      },
      'request',
    );
    if (writeMethods.has(request.method) && isApiRoute(request)) await audit(context, stores, request, reply);
  });
}

async function audit(context: CloudContext, stores: ApiHookStores, request: FastifyRequest, reply: FastifyReply) {
  const principal = request.principal;
  const key = request.headers['idempotency-key'];
  const userAgent = request.headers['user-agent'];
  try {
    await stores.auditTrail.append({
      atMs: context.clock(),
      requestId: String(request.id),
      subject: principal?.subject ?? 'anonymous',
      organisationId: principal?.organisationId ?? null,
      role: principal?.role ?? null,
      via: principal?.via ?? null,
      method: request.method,
      route: routeOf(request).url,
      params: (request.params ?? {}) as Record<string, string>,
      status: reply.statusCode,
      idempotencyKey: typeof key === 'string' ? key.slice(0, idempotencyKeyLengthMax) : null,
      remoteAddress: request.ip,
      userAgent: typeof userAgent === 'string' ? userAgent.slice(0, auditUserAgentLengthMax) : null,
    });
  } catch (error) {
    // The answer is already sent; a trail that cannot be written is an operator's alarm, not the caller's.
    context.log.error({ err: error, requestId: request.id }, 'audit trail append failed');
  }
}
