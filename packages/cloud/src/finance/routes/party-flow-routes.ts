import { PartySchema, RelationshipSchema } from '@fieldproof/finance';
import type { FastifyInstance } from 'fastify';
import * as z from 'zod';
import { JsonObjectSchema } from '../../api/openapi-schemas.ts';
import { partiesInScope } from '../finance-scope.ts';
import type { FinanceServices } from '../finance-services.ts';
import { type FindFinanceFindingsResult, findFinanceFindings } from '../find-finance-findings.ts';
import { flowRecordsPerImportMax, flowRecordTypes, importFlowRecords } from '../import-flow-records.ts';
import { jsonSafe } from './json-safe.ts';

const FlowImportBodySchema = z.union([
  z.object({ csv: z.string().min(1).max(5_000_000) }).strict(),
  z.object({ records: z.array(z.unknown()).min(1).max(flowRecordsPerImportMax) }).strict(),
]);
const RecordTypeSchema = z.enum(flowRecordTypes as [string, ...string[]]);
const FindingsQuerySchema = z
  .object({ organisationId: z.string().max(128).optional(), fromMs: z.coerce.number().int().min(0).optional() })
  .strict();

/**
 * Parties and flows: POST /v1/finance/parties, POST /v1/finance/relationships, GET
 * /v1/finance/parties (nodes and edges), POST /v1/finance/flows/:recordType (CSV or JSON, per-row
 * errors), GET /v1/finance/findings (reconciliation, circular trades, related parties). Permissions: auth/route-permissions.ts.
 */
export async function partyFlowRoutes(app: FastifyInstance, services: FinanceServices): Promise<void> {
  app.post(
    '/v1/finance/parties',
    {
      config: {
        openapi: {
          operationId: 'putParty',
          summary: 'Register or update a party (organisation or person).',
          tags: ['parties'],
          body: PartySchema,
          responses: { 201: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      const party = PartySchema.parse(request.body);
      // Tenancy: a bank registers a new party (a borrower it onboards) or updates one it sees.
      const visible = await partiesInScope(services.store, services.access.scopeOf(request));
      if (visible && !visible.has(party.partyId)) {
        const known = (await services.parties.listParties()).some((each) => each.partyId === party.partyId);
        if (known || services.access.scopeOf(request).kind !== 'lender') {
          await services.access.refuse(request, party.partyId, `party:${party.partyId}`);
        }
      }
      await services.parties.putParty(party);
      return reply.code(201).send(party);
    },
  );
  app.post(
    '/v1/finance/relationships',
    {
      config: {
        openapi: {
          operationId: 'putRelationship',
          summary: 'Record a relationship between two known parties.',
          tags: ['parties'],
          body: RelationshipSchema,
          responses: { 201: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      const relationship = RelationshipSchema.parse(request.body);
      const known = new Set((await services.parties.listParties()).map((party) => party.partyId));
      for (const end of [relationship.fromPartyId, relationship.toPartyId]) {
        if (!known.has(end)) {
          return reply.code(404).send({ error: { code: 'party_unknown', message: `no party ${end}` } });
        }
      }
      // Tenancy: a relationship needs one end the caller sees (its borrower's director, owner …).
      const visible = await partiesInScope(services.store, services.access.scopeOf(request));
      if (visible && !visible.has(relationship.fromPartyId) && !visible.has(relationship.toPartyId)) {
        await services.access.refuse(request, relationship.toPartyId, `relationship:${relationship.relationshipId}`);
      }
      await services.parties.putRelationship(relationship);
      return reply.code(201).send(relationship);
    },
  );
  app.get(
    '/v1/finance/parties',
    {
      config: {
        openapi: {
          operationId: 'listParties',
          summary: 'Parties and relationships (the graph).',
          tags: ['parties'],
          responses: { 200: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      // Tenancy: the parties the caller sees, and the relationships that touch one of them.
      const visible = await partiesInScope(services.store, services.access.scopeOf(request));
      const parties = await services.parties.listParties();
      const relationships = await services.parties.listRelationships();
      if (!visible) return { parties, relationships };
      return {
        parties: parties.filter((party) => visible.has(party.partyId)),
        relationships: relationships.filter(
          (relationship) => visible.has(relationship.fromPartyId) || visible.has(relationship.toPartyId),
        ),
      };
    },
  );
  app.post<{ Params: { recordType: string } }>(
    '/v1/finance/flows/:recordType',
    {
      config: {
        openapi: {
          operationId: 'importFlowRecords',
          summary: 'Import flow records (CSV or JSON); 207 with per-row errors.',
          tags: ['flows'],
          body: FlowImportBodySchema,
          responses: { 201: JsonObjectSchema, 207: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      const recordType = RecordTypeSchema.parse(request.params.recordType) as (typeof flowRecordTypes)[number];
      const body = FlowImportBodySchema.parse(request.body);
      // Tenancy: a bank imports records that concern its own parties (itself or its borrowers).
      const visible = await partiesInScope(services.store, services.access.scopeOf(request));
      const result = await importFlowRecords(services, {
        recordType,
        ...(visible === undefined ? {} : { organisationsAllowed: visible }),
        ...('csv' in body ? { csv: body.csv } : { records: body.records }),
      });
      return reply.code(result.errors.length === 0 ? 201 : 207).send(result);
    },
  );
  app.get(
    '/v1/finance/findings',
    {
      config: {
        openapi: {
          operationId: 'listFindings',
          summary: 'Reconciliation findings, circular trades and related parties.',
          tags: ['flows'],
          query: FindingsQuerySchema,
          responses: { 200: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      const query = FindingsQuerySchema.parse(request.query);
      const fromMs = query.fromMs === undefined ? {} : { fromMs: query.fromMs };
      const visible = await partiesInScope(services.store, services.access.scopeOf(request));
      if (!visible) {
        return jsonSafe(
          await findFinanceFindings(services, {
            ...(query.organisationId === undefined ? {} : { organisationId: query.organisationId }),
            ...fromMs,
          }),
        );
      }
      // Tenancy: findings about a party the caller sees; without one named, those of every such party.
      if (query.organisationId !== undefined) {
        if (!visible.has(query.organisationId)) {
          await services.access.refuse(request, query.organisationId, `findings:${query.organisationId}`);
        }
        return jsonSafe(await findFinanceFindings(services, { organisationId: query.organisationId, ...fromMs }));
      }
      const merged: FindFinanceFindingsResult = { reconciliation: [], circularTrades: [], relatedParties: [] };
      const seen = new Set<string>();
      const known = new Set((await services.parties.listParties()).map((party) => party.partyId));
      for (const organisationId of [...visible].filter((id) => known.has(id)).sort()) {
        const found = await findFinanceFindings(services, { organisationId, ...fromMs });
        for (const key of ['reconciliation', 'circularTrades'] as const) {
          for (const finding of found[key]) {
            if (seen.has(finding.findingId)) continue;
            seen.add(finding.findingId);
            merged[key].push(finding);
          }
        }
      }
      return jsonSafe(merged);
    },
  );
}
