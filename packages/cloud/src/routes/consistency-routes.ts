import { proveConsistency } from '@fieldproof/ledger';
import { FieldproofError, toBase64 } from '@fieldproof/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CloudContext } from '../context.ts';

const decimal = z.string().regex(/^(?:0|[1-9][0-9]*)$/, 'must be a decimal size without leading zeros');

const ConsistencyQuery = z.object({ from: decimal, to: decimal }).strict();

/**
 * RFC 9162 consistency proofs between two sizes of the log, for witnesses and monitors:
 * `GET /v1/log/consistency?from=A&to=B` with 1 ≤ A ≤ B ≤ the log's size answers
 * `{ from, to, proof: [base64 hash, …] }` (empty when A = B); other sizes are `request_invalid`.
 */
export async function consistencyRoutes(app: FastifyInstance, context: CloudContext): Promise<void> {
  app.get(
    '/v1/log/consistency',
    {
      config: {
        openapi: {
          operationId: 'getLogConsistency',
          summary: 'An RFC 9162 consistency proof between two log sizes.',
          tags: ['log'],
          auth: 'none',
          query: ConsistencyQuery,
          responses: { 200: z.object({ from: z.number().int(), to: z.number().int(), proof: z.array(z.string()) }) },
        },
      },
    },
    async (request) => {
      const query = ConsistencyQuery.parse(request.query);
      const from = Number(query.from);
      const to = Number(query.to);
      const size = context.sequencer.size;
      if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 1 || from > to || to > size) {
        throw new FieldproofError(
          'request_invalid',
          `a consistency proof needs 1 ≤ from ≤ to ≤ ${size} (the log size)`,
          {
            from: query.from,
            to: query.to,
            size,
          },
        );
      }
      const proof = await proveConsistency(context.suite, { size1: from, size2: to }, context.store);
      return { from, to, proof: proof.map((hash) => toBase64(hash)) };
    },
  );
}
