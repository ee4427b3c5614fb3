import type { Alert, Loan, PledgedLot } from '@fieldproof/finance';
import { assert, FieldproofError } from '@fieldproof/protocol';
import type { FastifyRequest } from 'fastify';
import { type Expression, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import { createAuthStore } from '../auth/auth-store.ts';
import { createDeviceAccess, type DeviceAccess } from '../auth/device-access.ts';
import type { Principal } from '../auth/principal.ts';
import type { CloudStore } from '../storage/cloud-store.ts';
import { storeKysely } from '../storage/store-kysely.ts';
import type { FinanceDatabase } from './stores/finance-database.ts';

/**
 * What finance a caller sees (docs/access-control.md, "Finance"): the one rule every finance,
 * portfolio, alert and webhook route applies.
 * - `all`: the platform admin.
 * - `lender`: a bank's users (officer, auditor): loans it lends, their borrowers, lots pledged to
 *   it or to its loans, alerts and webhooks of the bank.
 * - `party`: an enterprise's users (enterprise or logistics organisation): loans it borrows, lots
 *   it pledges, its own party record and the flow records that name it. Reads only.
 * - `none`: everyone else (witness operators): no finance at all.
 */
export type FinanceScope =
  | { kind: 'all' }
  | { kind: 'lender'; organisationId: string }
  | { kind: 'party'; organisationId: string }
  | { kind: 'none'; organisationId: string };

/** The finance scope of `principal`. */
export function financeScopeOf(principal: Principal): FinanceScope {
  switch (principal.role) {
    case 'platform_admin':
      return { kind: 'all' };
    case 'bank_officer':
    case 'bank_auditor':
      return { kind: 'lender', organisationId: principal.organisationId };
    case 'enterprise_admin':
    case 'enterprise_operator':
      return { kind: 'party', organisationId: principal.organisationId };
    default:
      return { kind: 'none', organisationId: principal.organisationId };
  }
}

/** Whether the scope sees `loan`. */
export function loanInScope(scope: FinanceScope, loan: Pick<Loan, 'lenderId' | 'borrowerId'>): boolean {
  if (scope.kind === 'all') return true;
  if (scope.kind === 'lender') return loan.lenderId === scope.organisationId;
  if (scope.kind === 'party') return loan.borrowerId === scope.organisationId;
  return false;
}

/** Whether the scope may act on `loan` as its lender (assess, approve, disburse, take repayments). */
export function loanWritable(scope: FinanceScope, loan: Pick<Loan, 'lenderId'>): boolean {
  return scope.kind === 'all' || (scope.kind === 'lender' && loan.lenderId === scope.organisationId);
}

/** Whether the scope sees `lot`; `loan` is the loan it secures, when known. */
export function lotInScope(
  scope: FinanceScope,
  lot: Pick<PledgedLot, 'pledgeeId' | 'pledgorId'>,
  loan: Pick<Loan, 'lenderId' | 'borrowerId'> | undefined,
): boolean {
  if (scope.kind === 'all') return true;
  if (scope.kind === 'lender') {
    return lot.pledgeeId === scope.organisationId || loan?.lenderId === scope.organisationId;
  }
  if (scope.kind === 'party') return lot.pledgorId === scope.organisationId;
  return false;
}

/** Whether the scope may act on `lot` as its pledgee (order releases). */
export function lotWritable(
  scope: FinanceScope,
  lot: Pick<PledgedLot, 'pledgeeId'>,
  loan: Pick<Loan, 'lenderId'> | undefined,
): boolean {
  if (scope.kind === 'all') return true;
  return scope.kind === 'lender' && (lot.pledgeeId === scope.organisationId || loan?.lenderId === scope.organisationId);
}

/** Whether the scope sees `alert`: an alert belongs to the bank whose officers act on it (its organisationId). */
export function alertInScope(scope: FinanceScope, alert: Pick<Alert, 'organisationId'>): boolean {
  return scope.kind === 'all' || (scope.kind !== 'none' && alert.organisationId === scope.organisationId);
}

const nothing = sql<SqlBool>`1 = 0`;

/** Limit a query on `finance_loan` to the scope's loans (in the query, so pages stay full). */
export function whereLoanInScope<O>(
  query: SelectQueryBuilder<FinanceDatabase, 'finance_loan', O>,
  scope: FinanceScope,
): SelectQueryBuilder<FinanceDatabase, 'finance_loan', O> {
  if (scope.kind === 'all') return query;
  if (scope.kind === 'lender') return query.where('finance_loan.lender_id', '=', scope.organisationId);
  if (scope.kind === 'party') return query.where('finance_loan.borrower_id', '=', scope.organisationId);
  return query.where(nothing);
}

/** Limit a query on `finance_lot` to the scope's lots (in the query). */
export function whereLotInScope<O>(
  query: SelectQueryBuilder<FinanceDatabase, 'finance_lot', O>,
  scope: FinanceScope,
): SelectQueryBuilder<FinanceDatabase, 'finance_lot', O> {
  if (scope.kind === 'all') return query;
  if (scope.kind === 'party') return query.where('finance_lot.pledgor_id', '=', scope.organisationId);
  if (scope.kind === 'none') return query.where(nothing);
  const bank = scope.organisationId;
  return query.where(
    (eb) =>
      eb.or([
        eb('finance_lot.pledgee_id', '=', bank),
        eb(
          'finance_lot.loan_id',
          'in',
          eb.selectFrom('finance_loan').select('finance_loan.loan_id').where('finance_loan.lender_id', '=', bank),
        ),
      ]) as Expression<SqlBool>,
  );
}

/**
 * The parties the scope sees: undefined for every party; a bank's own party and the borrowers of
 * its loans; an enterprise's own party. (The party list is read whole, so this set filters it.)
 */
export async function partiesInScope(store: CloudStore, scope: FinanceScope): Promise<ReadonlySet<string> | undefined> {
  if (scope.kind === 'all') return undefined;
  if (scope.kind !== 'lender') return new Set(scope.kind === 'party' ? [scope.organisationId] : []);
  const rows = await storeKysely<FinanceDatabase>(store)
    .selectFrom('finance_loan')
    .select('borrower_id')
    .distinct()
    .where('lender_id', '=', scope.organisationId)
    .execute();
  return new Set([scope.organisationId, ...rows.map((row) => row.borrower_id)]);
}

/** The gate of finance routes: the caller's scope, and refusals that are written to the access log. */
export interface FinanceAccess {
  /** The caller's scope. Precondition: the permission hook ran (a principal is there). */
  scopeOf(request: FastifyRequest): FinanceScope;
  /**
   * Refuse a read or an action outside the caller's scope: an `access_log` row (outcome refused,
   * code `organisation_forbidden`, the owner when known), then 403 `organisation_forbidden`.
   */
  refuse(request: FastifyRequest, ownerOrganisationId: string | null, resource: string): Promise<never>;
  /**
   * The device data gate (consent for banks, the own organisation for enterprises), for finance
   * that reads device data on the caller's behalf: a credit score's IoT features.
   */
  devices: DeviceAccess;
}

/** The finance gate on the cloud store's access log. */
export function createFinanceAccess(deps: { store: CloudStore; clock: () => number }): FinanceAccess {
  const auth = createAuthStore(deps.store);
  const principalOf = (request: FastifyRequest): Principal => {
    assert(request.principal !== undefined, 'a finance route ran without a principal');
    return request.principal;
  };
  return {
    devices: createDeviceAccess({ auth, clock: deps.clock }),
    scopeOf: (request) => financeScopeOf(principalOf(request)),
    async refuse(request, ownerOrganisationId, resource) {
      const principal = principalOf(request);
      await auth.insertAccess([
        {
          at_ms: deps.clock(),
          subject: principal.subject,
          organisation_id: principal.organisationId,
          owner_organisation_id: ownerOrganisationId,
          route: `${request.method} ${request.routeOptions.url ?? request.url}`,
          resource,
          consent_id: null,
          outcome: 'refused',
          code: 'organisation_forbidden',
          remote_address: request.ip,
        },
      ]);
      throw new FieldproofError('organisation_forbidden', `${resource} is outside your organisation's finance`);
    },
  };
}
