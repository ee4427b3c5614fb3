import { IdSchema } from '@fieldproof/protocol';
import * as z from 'zod';

/** The roles an organisation plays in a supply chain (one organisation may play several). */
export const OrganisationRoleSchema = z.enum([
  'core_enterprise',
  'supplier',
  'distributor',
  'logistics_firm',
  'warehouse',
  'bank',
]);
export type OrganisationRole = z.infer<typeof OrganisationRoleSchema>;

/** A node of the party graph: an organisation, a person, an address or a bank account. */
export const PartySchema = z.discriminatedUnion('kind', [
  z
    .object({
      /** Node kind. */
      kind: z.literal('organisation'),
      /** Id of the organisation. */
      partyId: IdSchema,
      /** Registered name. */
      name: z.string().min(1).max(200),
      /** Unified social credit code (统一社会信用代码), when known. */
      unifiedSocialCreditCode: z
        .string()
        .regex(/^[0-9A-HJ-NPQRTUWXY]{18}$/)
        .optional(),
      /** The roles it plays. */
      roles: z.array(OrganisationRoleSchema).max(6),
    })
    .strict(),
  z
    .object({
      /** Node kind. */
      kind: z.literal('person'),
      /** Id of the person. */
      partyId: IdSchema,
      /** Name. */
      name: z.string().min(1).max(200),
    })
    .strict(),
  z
    .object({
      /** Node kind. */
      kind: z.literal('address'),
      /** Id of the address. */
      partyId: IdSchema,
      /** The address, one line. */
      text: z.string().min(1).max(500),
    })
    .strict(),
  z
    .object({
      /** Node kind. */
      kind: z.literal('account'),
      /** Id of the bank account. */
      partyId: IdSchema,
      /** The bank's id (an organisation). */
      bankOrganisationId: IdSchema,
    })
    .strict(),
]);
export type Party = z.infer<typeof PartySchema>;
/** Kinds of nodes. */
export type PartyKind = Party['kind'];

/**
 * Edge types, read as "from … to": `supplies` (seller to buyer), `buys_from` (buyer to seller),
 * `owns_shares_of` (shareholder to company, with `shareBasisPoints`), `directs` (person to company:
 * legal representative, director, executive), `shares_address_with` (either way),
 * `guarantees` (guarantor to the guaranteed), `registered_at` (party to address),
 * `holds_account` (party to account).
 */
export const RelationshipTypeSchema = z.enum([
  'supplies',
  'buys_from',
  'owns_shares_of',
  'directs',
  'shares_address_with',
  'guarantees',
  'registered_at',
  'holds_account',
]);
export type RelationshipType = z.infer<typeof RelationshipTypeSchema>;

/** A typed, directed edge of the party graph. */
export const RelationshipSchema = z
  .object({
    /** Id of the edge. */
    relationshipId: IdSchema,
    /** Edge type. */
    type: RelationshipTypeSchema,
    /** Where it starts (see {@link RelationshipTypeSchema} for the reading). */
    fromPartyId: IdSchema,
    /** Where it ends. */
    toPartyId: IdSchema,
    /** For `owns_shares_of` only: the share held, 1–10,000 basis points (10,000 = 100%). */
    shareBasisPoints: z.number().int().min(1).max(10_000).optional(),
    /** For `directs` only: the post held. */
    post: z.enum(['legal_representative', 'director', 'supervisor', 'executive']).optional(),
  })
  .strict()
  .refine((edge) => (edge.type === 'owns_shares_of') === (edge.shareBasisPoints !== undefined), {
    message: 'shareBasisPoints is required on owns_shares_of and only there',
    path: ['shareBasisPoints'],
  })
  .refine((edge) => edge.fromPartyId !== edge.toPartyId, {
    message: 'an edge must join two different parties',
    path: ['toPartyId'],
  });
export type Relationship = z.infer<typeof RelationshipSchema>;
