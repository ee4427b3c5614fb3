// A typed client over the cloud's JSON endpoints (packages/cloud/src/routes/*.ts). The console is
// served by the cloud itself, so paths are relative to the page's origin by default.
import type { FrameProofBundle, TrustFile } from '@fieldproof/protocol';

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

/** Where the page keeps its bearer credential (a session token or API key) until the login page lands. */
export const tokenStorageKey = 'fieldproof.token';

/**
 * Create a client for the cloud at `baseUrl` (the page's own origin by default). Data reads need
 * credentials (docs/access-control.md): `token`, by default the one in sessionStorage under
 * `tokenStorageKey`, is sent as `Authorization: Bearer …`.
 * Precondition: `baseUrl`, when given, is an absolute URL of a Fieldproof cloud.
 */
export function createApiClient(
  baseUrl: string = globalThis.location.origin,
  token: string | null | undefined = globalThis.sessionStorage?.getItem(tokenStorageKey),
): ApiClient {
  const url = (path: string) => new URL(path, baseUrl).toString();
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
  const getJson = async <Body>(path: string): Promise<Body> => {
    const response = await fetch(url(path), { headers });
    if (!response.ok) throw await failure(response);
    return (await response.json()) as Body;
  };
  return {
    status: () => getJson<CloudStatus>('/v1/status'),
    async frames(params = {}) {
      const query = new URLSearchParams();
      if (params.limit !== undefined) query.set('limit', String(params.limit));
      if (params.deviceId !== undefined) query.set('deviceId', params.deviceId);
      const search = query.size > 0 ? `?${query.toString()}` : '';
      return (await getJson<Items<FrameSummary>>(`/v1/frames${search}`)).items;
    },
    frameProof: (frameId) => getJson<FrameProofBundle>(`/v1/frames/${encodeURIComponent(frameId)}/proof`),
    async cosignedCheckpoint() {
      const response = await fetch(url('/v1/log/checkpoint?cosigned=1'));
      if (response.status === 404) return null;
      if (!response.ok) throw await failure(response);
      return response.text();
    },
    trust: () => getJson<TrustFile>('/v1/trust'),
    devices: async () => (await getJson<Items<DeviceSummary>>('/v1/devices')).items,
    edges: async () => (await getJson<Items<EdgeSummary>>('/v1/edges')).items,
  };
}
