// A typed client over the cloud's JSON endpoints (packages/cloud/src/routes/*.ts). The console is
// served by the cloud itself, so paths are relative to the page's origin by default. Every call
// carries the session's bearer token; a 401 ends the session (back to the login page).
import type { FrameProofBundle, TrustFile } from '@fieldproof/protocol';
import type {
  AccessLogEntry,
  Alert,
  AlertList,
  BorrowerView,
  Consent,
  ConsentGrant,
  DeviceLifecycleAction,
  DeviceReading,
  EdgeHealthView,
  LoanApplication,
  LoanView,
  LotValuationView,
  PartyGraph,
  Portfolio,
  SessionUser,
  StreamEvent,
  WireLoan,
} from './types.ts';

/** One witness as /v1/status reports it. */
export interface WitnessStatus {
  /** The witness's key name, as on its cosignature lines. */
  name: string;
  /** Size of the largest checkpoint it has cosigned. */
  cosignedSize: number;
}

/** The body of GET /v1/status. */
export interface CloudStatus {
  /** Hash suite of the log. */
  suite: string;
  /** The log's checkpoint origin. */
  origin: string;
  /** Frames stored. */
  frames: number;
  /** Batches accepted. */
  batches: number;
  /** Registered devices. */
  devices: number;
  /** Registered edges. */
  edges: number;
  /** Leaves in the log. */
  logSize: number;
  /** Size of the latest signed checkpoint (0 before the first). */
  checkpointSize: number;
  /** Size of the latest checkpoint cosigned by enough witnesses (0 before the first). */
  finalCheckpointSize: number;
  /** The configured witnesses. */
  witnesses: WitnessStatus[];
  /** How many witnesses make a checkpoint final. */
  witnessThreshold: number;
  /** Rejected inputs kept in quarantine. */
  quarantined: number;
  /** Rejected inputs by code. */
  rejects: Record<string, number>;
}

/** One row of GET /v1/frames. */
export interface FrameSummary {
  /** Frame id: hex leaf hash of the canonical signed frame. */
  id: string;
  /** The device that signed it. */
  deviceId: string;
  /** The device's sequence number. */
  seq: number;
  /** Device clock, UTC ms. */
  deviceTimeMs: number;
  /** When the cloud received it, UTC ms. */
  receivedAtMs: number;
  /** Who signed it: the device, or its edge on behalf of a keyless device (Modbus, OPC UA). */
  attestation?: 'device-signed' | 'edge-attested';
}

/** One row of GET /v1/devices. */
export interface DeviceSummary {
  /** Device id. */
  deviceId: string;
  /** Signature algorithm of its key. */
  alg: string;
  /** Public key, base64; null for a keyless device, whose edge signs for it. */
  publicKey: string | null;
  /** `device-signed`, or `edge-attested` for a keyless device. */
  attestation?: 'device-signed' | 'edge-attested';
  /** The edge it is registered behind. */
  edgeId: string;
  /** Last sequence number seen, or null before the first frame. */
  lastSeq: number | null;
}

/** One row of GET /v1/edges. */
export interface EdgeSummary {
  /** Edge id. */
  edgeId: string;
  /** Signature algorithm of its key. */
  alg: string;
  /** Public key, base64. */
  publicKey: string;
  /** Last batch sequence number seen, or null before the first batch. */
  lastBatchSeq: number | null;
}

/** A list response of the cloud. */
interface Items<Item> {
  items: Item[];
}

/** A failed call to the cloud, with its stable error code when the cloud sent one. */
export class ApiError extends Error {
  /** HTTP status. */
  readonly status: number;
  /** The cloud's error code, or `http_error`. */
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** The console's view of the cloud API. */
export interface ApiClient {
  /** GET /v1/status. */
  status(): Promise<CloudStatus>;
  /** GET /v1/frames: the newest frames first. */
  frames(params?: { limit?: number; deviceId?: string }): Promise<FrameSummary[]>;
  /** GET /v1/frames/{id}/proof: the frame's proof bundle. */
  frameProof(frameId: string): Promise<FrameProofBundle>;
  /** GET /v1/log/checkpoint?cosigned=1: the latest checkpoint note with its cosignature lines, or null before the first. */
  cosignedCheckpoint(): Promise<string | null>;
  /** GET /v1/trust: the trust file (log, edge, device and witness keys). */
  trust(): Promise<TrustFile>;
  /** GET /v1/devices. */
  devices(): Promise<DeviceSummary[]>;
  /** GET /v1/edges. */
  edges(): Promise<EdgeSummary[]>;
  /** POST /v1/sessions: sign in with e-mail and password. */
  signIn(email: string, password: string): Promise<{ token: string; expiresAt?: string | number; user: SessionUser }>;
  /** Who a bearer token belongs to: GET /v1/me, or, on a cloud without it, the admin token's check. */
  whoAmI(token: string): Promise<SessionUser>;
  /** GET /v1/alerts: unresolved and resolved alerts, newest raised first. */
  alerts(params?: { state?: string; severity?: string; limit?: number }): Promise<AlertList>;
  /** POST /v1/alerts/:id/acknowledge | assign | resolve | notes. */
  actOnAlert(
    alertId: string,
    action: 'acknowledge' | 'assign' | 'resolve' | 'notes',
    body: Record<string, string>,
  ): Promise<{ alert: Alert }>;
  /** GET /v1/portfolio. */
  portfolio(): Promise<Portfolio>;
  /** GET /v1/finance/loans. */
  loans(): Promise<WireLoan[]>;
  /** GET /v1/finance/loans/:id: the loan and its journal entries. */
  loan(loanId: string): Promise<LoanView>;
  /** POST /v1/finance/loans. */
  applyLoan(application: LoanApplication): Promise<unknown>;
  /** POST /v1/finance/loans/:id/assess | approve | disburse | repayments. */
  loanStep(loanId: string, step: 'assess' | 'approve' | 'disburse' | 'repayments', body: unknown): Promise<unknown>;
  /** GET /v1/finance/lots: every lot, valued. */
  lots(): Promise<LotValuationView[]>;
  /** GET /v1/borrowers/:id: the borrower 360. */
  borrower(partyId: string): Promise<BorrowerView>;
  /** GET /v1/finance/parties: the party graph. */
  parties(): Promise<PartyGraph>;
  /** GET /v1/finance/findings: reconciliation, circular trades and related parties. */
  findings(organisationId?: string): Promise<BorrowerView['findings']>;
  /** GET /v1/edges/:id/health: online, last heartbeat and queue depths. */
  edgeHealth(edgeId: string): Promise<EdgeHealthView>;
  /** GET /v1/devices/:id/readings: a device's newest readings, oldest first. */
  deviceReadings(deviceId: string, limit?: number): Promise<DeviceReading[]>;
  /** POST /v1/devices/:id/<action> {reason}: a lifecycle step. */
  deviceAction(deviceId: string, action: DeviceLifecycleAction, reason: string): Promise<unknown>;
  /** GET /v1/consents. */
  consents(): Promise<Consent[]>;
  /** POST /v1/consents. */
  grantConsent(grant: ConsentGrant): Promise<unknown>;
  /** POST /v1/consents/:id/revoke. */
  revokeConsent(consentId: string): Promise<unknown>;
  /** GET /v1/access-log. */
  accessLog(): Promise<AccessLogEntry[]>;
  /** GET /v1/stream: calls `onEvent` for each server-sent event until `signal` aborts. */
  stream(onEvent: (event: StreamEvent) => void, signal: AbortSignal): Promise<void>;
}

/** What the client needs of the session. */
export interface ApiSession {
  /** The bearer token to send, if signed in. */
  token(): string | undefined;
  /** Called on a 401: the token expired or was revoked. */
  onUnauthorized(): void;
}

async function failure(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    return new ApiError(response.status, body.error?.code ?? 'http_error', body.error?.message ?? text);
  } catch {
    return new ApiError(response.status, 'http_error', text || response.statusText);
  }
}

/** A list of items in whichever field the cloud put it (`items`, or the named one). */
function itemsOf<Item>(body: unknown, field: string): Item[] {
  if (Array.isArray(body)) return body as Item[];
  const record = body as Record<string, unknown>;
  const list = record.items ?? record[field];
  return Array.isArray(list) ? (list as Item[]) : [];
}

/** Parse server-sent events from a byte stream (the `event:` and `data:` lines of each block). */
export async function readServerSentEvents(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: StreamEvent) => void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let type = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) type = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length > 0) {
        try {
          onEvent({ type, data: JSON.parse(data.join('\n')) } as StreamEvent);
        } catch {
          // A block that is not JSON is not ours (a proxy's comment); skip it.
        }
      }
      end = buffer.indexOf('\n\n');
    }
  }
}

/**
 * Create a client for the cloud at `baseUrl` (the page's own origin by default).
 * Precondition: `baseUrl`, when given, is an absolute URL of a Fieldproof cloud.
 */
export function createApiClient(
  baseUrl: string = globalThis.location.origin,
  session: ApiSession = { token: () => undefined, onUnauthorized: () => {} },
): ApiClient {
  const url = (path: string) => new URL(path, baseUrl).toString();
  const headers = (token = session.token()): Record<string, string> => ({
    accept: 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  });
  const call = async (path: string, init: RequestInit = {}, token?: string): Promise<Response> => {
    const response = await fetch(url(path), {
      ...init,
      headers: {
        ...headers(token ?? session.token()),
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
    });
    if (response.status === 401 && token === undefined) session.onUnauthorized();
    return response;
  };
  const getJson = async <Body>(path: string): Promise<Body> => {
    const response = await call(path);
    if (!response.ok) throw await failure(response);
    return (await response.json()) as Body;
  };
  const postJson = async <Body>(path: string, body: unknown): Promise<Body> => {
    const response = await call(path, { method: 'POST', body: JSON.stringify(body ?? {}) });
    if (!response.ok) throw await failure(response);
    const text = await response.text();
    return (text ? JSON.parse(text) : {}) as Body;
  };
  const id = encodeURIComponent;
  return {
    status: () => getJson<CloudStatus>('/v1/status'),
    async frames(params = {}) {
      const query = new URLSearchParams();
      if (params.limit !== undefined) query.set('limit', String(params.limit));
      if (params.deviceId !== undefined) query.set('deviceId', params.deviceId);
      const search = query.size > 0 ? `?${query.toString()}` : '';
      return (await getJson<Items<FrameSummary>>(`/v1/frames${search}`)).items;
    },
    frameProof: (frameId) => getJson<FrameProofBundle>(`/v1/frames/${id(frameId)}/proof`),
    async cosignedCheckpoint() {
      const response = await call('/v1/log/checkpoint?cosigned=1');
      if (response.status === 404) return null;
      if (!response.ok) throw await failure(response);
      return response.text();
    },
    trust: () => getJson<TrustFile>('/v1/trust'),
    devices: async () => (await getJson<Items<DeviceSummary>>('/v1/devices')).items,
    edges: async () => (await getJson<Items<EdgeSummary>>('/v1/edges')).items,
    async signIn(email, password) {
      const response = await fetch(url('/v1/sessions'), {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      if (!response.ok) throw await failure(response);
      return (await response.json()) as { token: string; expiresAt?: string | number; user: SessionUser };
    },
    async whoAmI(token) {
      const me = await call('/v1/me', {}, token);
      if (me.ok) {
        const body = (await me.json()) as Record<string, unknown>;
        const found = (body.user ?? body.principal ?? body) as Record<string, unknown>;
        return {
          id: String(found.id ?? found.subject ?? 'unknown'),
          email: typeof found.email === 'string' ? found.email : undefined,
          name: typeof found.name === 'string' ? found.name : undefined,
          role: String(found.role ?? 'platform_admin') as SessionUser['role'],
          organisationId: String(found.organisationId ?? ''),
          organisationName: typeof found.organisationName === 'string' ? found.organisationName : undefined,
        };
      }
      if (me.status !== 404) throw await failure(me);
      // A cloud without /v1/me (before user accounts): only the bootstrap admin token signs in.
      const probe = await call('/v1/alerts?limit=1', {}, token);
      if (!probe.ok) throw await failure(probe);
      return { id: 'admin-token', role: 'platform_admin', organisationId: 'platform', name: 'Platform admin' };
    },
    async alerts(params = {}) {
      const query = new URLSearchParams({ limit: String(params.limit ?? 200) });
      if (params.state) query.set('state', params.state);
      if (params.severity) query.set('severity', params.severity);
      return getJson<AlertList>(`/v1/alerts?${query.toString()}`);
    },
    actOnAlert: (alertId, action, body) => postJson(`/v1/alerts/${id(alertId)}/${action}`, body),
    portfolio: () => getJson<Portfolio>('/v1/portfolio'),
    loans: async () => (await getJson<Items<WireLoan>>('/v1/finance/loans')).items,
    loan: (loanId) => getJson<LoanView>(`/v1/finance/loans/${id(loanId)}`),
    applyLoan: (application) => postJson('/v1/finance/loans', application),
    loanStep: (loanId, step, body) => postJson(`/v1/finance/loans/${id(loanId)}/${step}`, body),
    lots: async () => (await getJson<Items<LotValuationView>>('/v1/finance/lots')).items,
    borrower: (partyId) => getJson<BorrowerView>(`/v1/borrowers/${id(partyId)}`),
    parties: () => getJson<PartyGraph>('/v1/finance/parties'),
    findings: (organisationId) =>
      getJson<BorrowerView['findings']>(
        `/v1/finance/findings${organisationId ? `?organisationId=${id(organisationId)}` : ''}`,
      ),
    edgeHealth: (edgeId) => getJson<EdgeHealthView>(`/v1/edges/${id(edgeId)}/health`),
    deviceReadings: async (deviceId, limit = 200) =>
      (await getJson<Items<DeviceReading>>(`/v1/devices/${id(deviceId)}/readings?limit=${limit}`)).items,
    deviceAction: (deviceId, action, reason) => postJson(`/v1/devices/${id(deviceId)}/${action}`, { reason }),
    consents: async () => itemsOf<Consent>(await getJson<unknown>('/v1/consents'), 'consents'),
    grantConsent: (grant) => postJson('/v1/consents', grant),
    revokeConsent: (consentId) => postJson(`/v1/consents/${id(consentId)}/revoke`, {}),
    accessLog: async () => itemsOf<AccessLogEntry>(await getJson<unknown>('/v1/access-log'), 'entries'),
    async stream(onEvent, signal) {
      const response = await fetch(url('/v1/stream'), {
        headers: { ...headers(), accept: 'text/event-stream' },
        signal,
      });
      if (response.status === 401) session.onUnauthorized();
      if (!response.ok || !response.body) throw await failure(response);
      await readServerSentEvents(response.body, onEvent);
    },
  };
}
