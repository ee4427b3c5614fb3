import {
  bodyHashHex,
  edgeRequestHeaders,
  edgeRequestMessage,
  FieldproofError,
  fromBase64,
  verify,
} from '@fieldproof/protocol';
import type { CloudContext } from '../context.ts';
import { identityStoreOf } from '../identity/identity-store.ts';
import { type EdgeKeyEntry, edgeKeysInForce } from './edge-key-history.ts';
import type { EdgeOperationsStore } from './edge-operations-store.ts';

export interface AuthenticateEdgeRequestParameters {
  /** The edge the path names. */
  edgeId: string;
  method: string;
  /** Path with query, as sent. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body (empty for a GET). */
  body: Uint8Array;
}

export interface AuthenticateEdgeRequestResult {
  /** The key that signed the request. */
  key: EdgeKeyEntry;
  /** The edge's key history. */
  history: EdgeKeyEntry[];
}

/**
 * Check a request an edge signed with its key (docs/edge-operations.md): the headers name the
 * path's edge, the timestamp is within `edgeOperations.requestSkewMs` of the cloud clock, the
 * nonce was not used by the edge within that window, and the signature over method, path,
 * timestamp, nonce and body hash verifies with the key the edge signs with now: the newest
 * approved key, or the one before it until the cloud has accepted a batch signed by the newest.
 * Throws edge_request_unauthenticated, edge_request_stale, edge_request_replayed or edge_unknown,
 * and edge_revoked or edge_retired for an edge at the end of its lifecycle (docs/identity-lifecycle.md).
 */
export async function authenticateEdgeRequest(
  context: CloudContext,
  operations: EdgeOperationsStore,
  parameters: AuthenticateEdgeRequestParameters,
): Promise<AuthenticateEdgeRequestResult> {
  const header = (name: string): string | undefined => {
    const value = parameters.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const edgeId = header(edgeRequestHeaders.edgeId);
  const timestamp = header(edgeRequestHeaders.timestamp);
  const nonce = header(edgeRequestHeaders.nonce);
  const signatureText = header(edgeRequestHeaders.signature);
  const keyId = header(edgeRequestHeaders.keyId);
  if (!edgeId || !timestamp || !nonce || !signatureText || !keyId) {
    throw new FieldproofError(
      'edge_request_unauthenticated',
      `an edge request carries ${Object.values(edgeRequestHeaders).join(', ')}`,
    );
  }
  if (edgeId !== parameters.edgeId) {
    throw new FieldproofError(
      'edge_request_unauthenticated',
      `the request is signed for edge ${edgeId}, not ${parameters.edgeId}`,
    );
  }
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) {
    throw new FieldproofError('edge_request_unauthenticated', 'the nonce is 16 to 64 base64url characters');
  }
  const timestampMs = Number(timestamp);
  const nowMs = context.clock();
  const skewMs = context.config.edgeOperations.requestSkewMs;
  if (!Number.isSafeInteger(timestampMs) || Math.abs(nowMs - timestampMs) > skewMs) {
    throw new FieldproofError(
      'edge_request_stale',
      `the request timestamp ${timestamp} is more than ${skewMs} ms from the cloud clock ${nowMs}; check the edge clock (NTP)`,
    );
  }
  const keys = await edgeKeysInForce(context.store, operations, edgeId);
  if (!keys) throw new FieldproofError('edge_unknown', `edge ${edgeId} is not registered`);
  const { history, inForce: accepted } = keys;
  const key = accepted.find((entry) => entry.keyId === keyId);
  const signature = fromBase64(signatureText);
  const message = edgeRequestMessage({
    method: parameters.method,
    path: parameters.path,
    timestampMs,
    nonce,
    bodySha256Hex: bodyHashHex(parameters.body),
  });
  if (!key || !signature || !verify(key.alg, new Uint8Array(key.publicKey), message, signature)) {
    throw new FieldproofError(
      'edge_request_unauthenticated',
      `the request signature does not verify with a key edge ${edgeId} may sign with now (key ${keyId})`,
    );
  }
  // Only a request whose signature verified spends its nonce, so a forger cannot burn an edge's nonces.
  if (!(await operations.rememberNonce(edgeId, nonce, nowMs, nowMs - 2 * skewMs))) {
    throw new FieldproofError('edge_request_replayed', `nonce ${nonce} of edge ${edgeId} was used before`);
  }
  // A revoked or retired edge may not speak at all; a suspended one still sends heartbeats and
  // pulls its config, so the operator sees it while its batches are refused.
  const state = await identityStoreOf(context.store).edgeState(edgeId);
  if (state && (state.status === 'revoked' || state.status === 'retired')) {
    throw new FieldproofError(`edge_${state.status}`, `edge ${edgeId} is ${state.status}; its requests are refused`);
  }
  return { key, history };
}
