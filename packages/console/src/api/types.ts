// The wire shapes of the cloud's finance, alert, auth and consent endpoints as the console reads
// them. Money and grams arrive as decimal strings (the cloud's jsonSafe), never as numbers.

/** The roles of a user (issue 5). */
export type Role =
  | 'platform_admin'
  | 'bank_officer'
  | 'bank_auditor'
  | 'enterprise_admin'
  | 'enterprise_operator'
  | 'witness_operator';

/** Who is signed in. */
export interface SessionUser {
  /** User id, or `admin-token`. */
  id: string;
  /** E-mail, for a user account. */
  email?: string | undefined;
  /** Display name. */
  name?: string | undefined;
  /** The role whose pages and actions apply. */
  role: Role;
  /** The organisation the user acts for. */
  organisationId: string;
  /** Its name. */
  organisationName?: string | undefined;
}

/** An alert's severity. */
export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** What an alert rests on. */
export interface AlertEvidence {
  /** frame, event, decision or document. */
  kind: 'frame' | 'event' | 'decision' | 'document';
  /** Its id. */
  id: string;
}

/** A stored alert (GET /v1/alerts). */
export interface Alert {
  alertId: string;
  rule: string;
  severity: Severity;
  subjectId: string;
  organisationId: string;
  message: string;
  details: Record<string, string | number | boolean | null>;
  evidence: AlertEvidence[];
  state: 'open' | 'acknowledged' | 'resolved';
  raisedAtMs: number;
  lastSeenAtMs: number;
  occurrences: number;
  assigneeId: string | null;
  notes: { actorId: string; atMs: number; text: string }[];
  resolution: string | null;
}

/** A page of alerts. */
export interface AlertList {
  items: Alert[];
  nextCursor?: string;
}

/** An amount per product or borrower. */
export interface Exposure {
  /** Product or borrower id. */
  id: string;
  /** Outstanding principal, minor units as decimal text. */
  amountMinor: string;
}

/** GET /v1/portfolio. */
export interface Portfolio {
  currency: string;
  loanCount: number;
  exposureByProduct: Exposure[];
  exposureByBorrower: Exposure[];
  lots: {
    lotId: string;
    siteId: string;
    pledgorId: string;
    loanId: string;
    ltvBasisPoints: number | null;
    line: string | null;
  }[];
  alertsBySeverity: Record<Severity, number>;
  log: {
    size: number;
    checkpointSize: number;
    witnesses: { name: string; cosignedSize: number }[];
    witnessThreshold: number;
  };
  anchor: { chainId: number; anchoredSize: number } | null;
}

/** A loan as the cloud sends it. */
export interface WireLoan {
  loanId: string;
  borrowerId: string;
  lenderId: string;
  product: 'inventory_pledge' | 'receivables' | 'order';
  currency: string;
  principalMinor: string;
  annualRateBasisPoints: number;
  termMonths: number;
  state: 'applied' | 'assessed' | 'rejected' | 'approved' | 'disbursed' | 'closed';
  enteredById: string;
  appliedAtMs: number;
  assessment: { assessorId: string; recommendation: string } | null;
  approval: { approverId: string; approvedAtMs: number } | null;
  disbursement: { actorId: string; disbursedAtMs: number; transferId: string } | null;
  repayments: { repaymentId: string; amountMinor: string; principalMinor: string; interestMinor: string }[];
  collateral: { pledgeLotIds: string[]; claimId: string | null; orderIds: string[] };
}

/** A journal transfer. */
export interface JournalEntry {
  transferId: string;
  debitAccountId: string;
  creditAccountId: string;
  amountMinor: string;
  currency: string;
  purpose?: string;
  kind?: string;
  createdAtMs?: number;
}

/** GET /v1/finance/loans/:id. */
export interface LoanView {
  loan: WireLoan;
  journalEntries: JournalEntry[];
}

/** POST /v1/finance/loans. */
export interface LoanApplication {
  loanId: string;
  borrowerId: string;
  lenderId: string;
  product: WireLoan['product'];
  currency: string;
  principalMinor: string;
  annualRateBasisPoints: number;
  penaltyAnnualRateBasisPoints: number;
  termMonths: number;
  repaymentMethod: 'equal_instalments' | 'equal_principal' | 'interest_only_bullet';
  collateral: { pledgeLotIds: string[]; claimId: string | null; orderIds: string[] };
  enteredById: string;
}

/** A pledged lot as the cloud sends it. */
export interface WireLot {
  lotId: string;
  pledgorId: string;
  pledgeeId: string;
  loanId: string;
  commodity: string;
  siteId: string;
  monitoringDeviceIds: string[];
  quantityGrams: string;
  haircutBasisPoints: number;
  currency: string;
  status: 'pledged' | 'released';
}

/** A lot with its value (GET /v1/finance/lots). */
export interface LotValuationView {
  lot: WireLot;
  loanId: string;
  loanOutstandingMinor: string;
  valuation: {
    marketValueMinor: string;
    lendingValueMinor: string;
    ltvBasisPoints: number | null;
    line: string;
  } | null;
}

/** One item on a borrower's four-flow timeline. */
export interface TimelineItem {
  flow: 'commercial' | 'logistics' | 'capital' | 'information';
  recordType: string;
  recordId: string;
  atMs: number;
}

/** A scorecard characteristic's contribution. */
export interface ScoreContribution {
  feature: string;
  dimension: 'entity' | 'asset' | 'transaction';
  value: number | null;
  bin: string;
  points: number;
  maxPoints: number;
  reasonCode: string;
  reasonText: string;
}

/** A finding of reconciliation or the party graph. */
export interface Finding {
  findingId: string;
  type: string;
  severity: string;
  subjectIds: string[];
  message: string;
}

/** GET /v1/borrowers/:id. */
export interface BorrowerView {
  party: { partyId: string; name?: string; kind: string; roles?: string[] };
  loans: WireLoan[];
  lots: LotValuationView[];
  deviceIds: string[];
  alerts: Alert[];
  timeline: TimelineItem[];
  findings: {
    reconciliation: Finding[];
    circularTrades: Finding[];
    relatedParties: { partyId: string; depth: number }[];
  };
  credit: {
    score: number;
    grade: string;
    probabilityOfDefaultBasisPoints: number;
    dimensions: Record<'entity' | 'asset' | 'transaction', { points: number; maxPoints: number }>;
    contributions: ScoreContribution[];
  };
}

/** A party of the graph. */
export interface Party {
  kind: 'organisation' | 'person' | 'address' | 'account';
  partyId: string;
  name?: string;
  text?: string;
  roles?: string[];
}

/** A relationship of the graph. */
export interface Relationship {
  relationshipId: string;
  type: string;
  fromPartyId: string;
  toPartyId: string;
}

/** GET /v1/finance/parties. */
export interface PartyGraph {
  parties: Party[];
  relationships: Relationship[];
}

/** One frame's readings. */
export interface DeviceReading {
  frameId: string;
  seq: number;
  deviceTimeMs: number;
  readings: { kind: string; value: unknown; unit?: string }[];
}

/** A device lifecycle step (identity routes). */
export type DeviceLifecycleAction = 'activate' | 'suspend' | 'resume' | 'revoke' | 'retire';

/** A consent an enterprise gave a bank. */
export interface Consent {
  id?: string;
  consentId?: string;
  bankId: string;
  siteIds?: string[] | null;
  deviceIds?: string[] | null;
  dataKinds?: string[] | null;
  fromMs: number;
  toMs: number;
  expiresAtMs?: number | null;
  revokedAtMs?: number | null;
  state?: string;
}

/** POST /v1/consents. */
export interface ConsentGrant {
  bankId: string;
  siteIds?: string[];
  deviceIds?: string[];
  dataKinds?: string[];
  fromMs: number;
  toMs: number;
  expiresAtMs?: number;
}

/** One read of an enterprise's data by someone else. */
export interface AccessLogEntry {
  id?: string | number;
  atMs?: number;
  readAtMs?: number;
  subject?: string;
  actorId?: string;
  organisationId?: string;
  readerOrganisationId?: string;
  route?: string;
  path?: string;
  resource?: string;
  [field: string]: unknown;
}

/** An event of GET /v1/stream. */
export type StreamEvent =
  | { type: 'status'; data: { logSize: number; checkpointSize: number } }
  | {
      type: 'alert';
      data: { alertId: string; rule: string; severity: Severity; state: string; subjectId: string; message: string };
    };

/** GET /v1/edges/:id/health. */
export interface EdgeHealthView {
  edgeId: string;
  online: boolean;
  lastHeartbeatAtMs: number | null;
  heartbeat: {
    queueFrames: number;
    queueBatches: number;
    oldestUnsentAgeMs: number | null;
    inbox: number;
    eventsUnsent: number;
  } | null;
}
