import { readdir } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { z } from 'zod';
import type { CloudContext } from '../context.ts';
import { storeKysely } from '../storage/store-kysely.ts';
import { type AuditTrailStore, auditTrailPageMax } from './audit-trail-store.ts';
import { buildOpenApiDocument } from './build-openapi-document.ts';
import { docsPageHtml } from './docs-page.ts';
import { decodePageCursor, encodePageCursor, pageSchema } from './page-cursor.ts';
import type { RouteCatalogue } from './route-openapi.ts';

/** The version /openapi.json names (the cloud package's). */
export const apiVersion = '0.1.0';

const AuditQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(auditTrailPageMax).default(100),
    cursor: z
      .string()
      .max(1_024)
      .refine((cursor) => decodePageCursor(cursor, ['number']) !== undefined, 'not a cursor of this API')
      .optional(),
    subject: z.string().min(1).max(256).optional(),
  })
  .strict();

const AuditRecordSchema = z.object({
  id: z.number().int(),
  atMs: z.number().int(),
  requestId: z.string(),
  subject: z.string(),
  organisationId: z.string().nullable(),
  role: z.string().nullable(),
  via: z.string().nullable(),
  method: z.string(),
  route: z.string(),
  params: z.record(z.string(), z.string()),
  status: z.number().int(),
  idempotencyKey: z.string().nullable(),
  remoteAddress: z.string(),
  userAgent: z.string().nullable(),
});

const ReadinessSchema = z.object({
  ready: z.boolean(),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string() })),
});

/** The names of the migrations in this build's folder for the store's dialect. */
async function expectedMigrations(kind: 'sqlite' | 'postgres'): Promise<string[]> {
  const folder = new URL(`../storage/${kind}/migrations/`, import.meta.url);
  return (await readdir(folder))
    .filter((name) => /^\d{4}-[a-z0-9-]+\.sql$/.test(name))
    .map((name) => name.replace(/\.sql$/, ''))
    .sort();
}

/**
 * The API's own routes: `GET /openapi.json` (the OpenAPI 3.1 document of every described route,
 * built once on first call, after all routes are registered), `GET /docs` (a self-contained page
 * that renders it), `GET /readyz` (store reachable, migrations current, log sequencer open, not
 * stopping; 503 with the failing checks otherwise) and `GET /v1/audit-trail` (admin token until
 * roles land; newest first, paginated).
 */
export async function apiRoutes(
  app: FastifyInstance,
  context: CloudContext,
  catalogue: RouteCatalogue,
  auditTrail: AuditTrailStore,
): Promise<void> {
  let document: string | undefined;
  let stopping = false;
  app.addHook('onClose', async () => {
    stopping = true;
  });
  app.get('/openapi.json', async (_request, reply) => {
    document ??= JSON.stringify(buildOpenApiDocument({ version: apiVersion, catalogue }));
    return reply.header('content-type', 'application/json; charset=utf-8').send(document);
  });
  app.get('/docs', async (_request, reply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      // The page's one inline script and style are its own; nothing may load from elsewhere.
      .header(
        'content-security-policy',
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
      )
      .send(docsPageHtml),
  );
  app.get(
    '/readyz',
    {
      config: {
        openapi: {
          operationId: 'getReadiness',
          summary: 'Readiness: store reachable, migrations current, log sequencer open (503 otherwise).',
          tags: ['health'],
          auth: 'none',
          responses: { 200: ReadinessSchema, 503: ReadinessSchema },
        },
      },
    },
    async (_request, reply) => {
      const checks: Record<string, { ok: boolean; detail: string }> = {};
      try {
        await context.store.getMeta('suite');
        checks.store = { ok: true, detail: context.config.store.kind };
      } catch (error) {
        checks.store = { ok: false, detail: `unreachable: ${(error as Error).message}` };
      }
      try {
        const expected = await expectedMigrations(context.config.store.kind);
        const applied = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(
          storeKysely(context.store),
        );
        const appliedNames = new Set(applied.rows.map((row) => row.name));
        const missing = expected.filter((name) => !appliedNames.has(name));
        checks.migrations =
          missing.length === 0
            ? { ok: true, detail: `${expected.length} applied` }
            : { ok: false, detail: `not applied: ${missing.join(', ')}` };
      } catch (error) {
        checks.migrations = { ok: false, detail: `unreadable: ${(error as Error).message}` };
      }
      const size = context.sequencer.size;
      checks.sequencer =
        !stopping && Number.isSafeInteger(size) && size >= 0
          ? { ok: true, detail: `log size ${size}` }
          : { ok: false, detail: stopping ? 'the server is stopping' : 'no log frontier' };
      const ready = Object.values(checks).every((check) => check.ok);
      return reply.code(ready ? 200 : 503).send({ ready, checks });
    },
  );
  app.get(
    '/v1/audit-trail',
    {
      config: {
        openapi: {
          operationId: 'listAuditTrail',
          summary: 'The audit trail of state-changing calls, newest first (who, what, when, from where).',
          tags: ['audit'],
          query: AuditQuery,
          responses: { 200: pageSchema(AuditRecordSchema) },
        },
      },
    },
    async (request) => {
      const query = AuditQuery.parse(request.query);
      const beforeId =
        query.cursor === undefined ? undefined : (decodePageCursor(query.cursor, ['number'])?.[0] as number);
      const rows = await auditTrail.list({
        limit: query.limit + 1,
        ...(beforeId === undefined ? {} : { beforeId }),
        ...(query.subject === undefined ? {} : { subject: query.subject }),
      });
      const items = rows.slice(0, query.limit);
      const last = items[items.length - 1];
      return {
        items,
        ...(rows.length > query.limit && last ? { nextCursor: encodePageCursor([last.id]) } : {}),
      };
    },
  );
}
