import { type ErrorCode, FieldproofError, fromBase64, IdSchema, SignatureAlgorithmSchema } from '@fieldproof/protocol';
import { z } from 'zod';
import type { CloudContext } from '../context.ts';
import type { DevelopmentCa } from '../tls/development-ca.ts';
import { identityStoreOf } from './identity-store.ts';
import { publicKeyValid } from './public-key-valid.ts';
import {
  type CertificateRequestIdentity,
  certificateKeyOf,
  readCertificateRequest,
} from './read-certificate-request.ts';

/** One device to provision: a PKCS#10 CSR (PEM; the device id is its CN), or an id and a raw public key. */
export const ProvisioningItemSchema = z.union([
  z
    .object({
      /** The CSR, PEM. */
      csr: z.string().min(1),
      /** The edge that speaks for the device. */
      edgeId: IdSchema,
      /** False: registered, waiting for POST /v1/devices/:id/activate; active at once by default. */
      activate: z.boolean().optional(),
    })
    .strict(),
  z
    .object({
      deviceId: IdSchema,
      alg: SignatureAlgorithmSchema,
      /** Raw public key, base64. */
      publicKey: z.string().min(1),
      edgeId: IdSchema,
      activate: z.boolean().optional(),
    })
    .strict(),
]);

/** The outcome of one item, in request order. */
export type ProvisioningItemResult =
  | {
      index: number;
      ok: true;
      deviceId: string;
      /** False when the device was registered before with the same key and edge (idempotent). */
      created: boolean;
      status: 'registered' | 'active' | string;
      alg: string;
      /** The client certificate for mTLS (PEM), issued by the development CA; absent for an SM2 key. */
      certificate?: string;
    }
  | { index: number; ok: false; deviceId?: string; code: ErrorCode; message: string };

export interface ProvisionDevicesParameters {
  /** The items as sent (each parsed here, so one bad item does not refuse the others). */
  items: readonly unknown[];
  /** The CA that signs the client certificates (loaded on first use). */
  ca: () => Promise<DevelopmentCa>;
  /** Who provisions (for the history rows). */
  actorId: string;
}

export interface ProvisionDevicesResult {
  /** One result per item, in order. */
  items: ProvisioningItemResult[];
  /** Items that registered a new device. */
  created: number;
  /** Items refused. */
  failed: number;
}

/**
 * Provision devices for an integrator, each item on its own: verify a CSR's self-signature and take
 * the device id from its CN (or take the given id and key), register the device with that key to
 * its edge (active unless `activate: false`), and return a client certificate for mTLS issued by
 * the development CA for the device's own key. Precondition: `items.length` is at most
 * `limits.provisioningBatchMax` (the route refuses more). A failed item carries its code
 * (`provisioning_request_invalid`, `device_key_invalid`, `edge_unknown`, `request_invalid`).
 */
export async function provisionDevices(
  context: CloudContext,
  parameters: ProvisionDevicesParameters,
): Promise<ProvisionDevicesResult> {
  const { store } = context;
  const identity = identityStoreOf(store);
  const results: ProvisioningItemResult[] = [];
  const edges = new Map<string, boolean>();
  for (const [index, raw] of parameters.items.entries()) {
    let deviceId: string | undefined;
    try {
      const parsed = ProvisioningItemSchema.safeParse(raw);
      if (!parsed.success) {
        throw new FieldproofError(
          'request_invalid',
          `${parsed.error.issues[0]?.path.join('.') || 'item'}: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
        );
      }
      const item = parsed.data;
      let alg: 'ed25519' | 'ecdsa-p256' | 'sm2';
      let publicKey: Uint8Array;
      let certificateKey: CertificateRequestIdentity['certificateKey'] | undefined;
      if ('csr' in item) {
        const request = await readCertificateRequest(item.csr);
        ({ deviceId, alg, publicKey } = request);
        certificateKey = request.certificateKey;
      } else {
        deviceId = item.deviceId;
        alg = item.alg;
        const decoded = fromBase64(item.publicKey);
        if (!decoded || !publicKeyValid(alg, decoded)) {
          throw new FieldproofError('device_key_invalid', `publicKey is not a valid ${alg} key in base64`);
        }
        publicKey = decoded;
        certificateKey = alg === 'sm2' ? undefined : certificateKeyOf(alg, publicKey);
      }
      if (!edges.has(item.edgeId)) edges.set(item.edgeId, (await store.edge(item.edgeId)) !== undefined);
      if (!edges.get(item.edgeId)) throw new FieldproofError('edge_unknown', `edge ${item.edgeId} is not registered`);
      const nowMs = context.clock();
      const created = await store.insertDevice(deviceId, alg, publicKey, item.edgeId, nowMs, 'device-signed');
      const existing = await store.device(deviceId);
      if (
        !created &&
        existing &&
        (existing.alg !== alg ||
          existing.edge_id !== item.edgeId ||
          existing.attestation !== 'device-signed' ||
          !existing.public_key.equals(Buffer.from(publicKey)))
      ) {
        throw new FieldproofError(
          'device_key_invalid',
          `device ${deviceId} is registered with another key or edge; rotate its key with POST /v1/devices/${deviceId}/keys`,
        );
      }
      const status = item.activate === false ? 'registered' : 'active';
      if (created) {
        await identity.recordRegistration('device', deviceId, status, {
          reason: 'provisioned',
          actorId: parameters.actorId,
          nowMs,
        });
        context.log.info({ deviceId, edgeId: item.edgeId, alg, status, viaCsr: 'csr' in item }, 'device provisioned');
      }
      const state = (await identity.deviceIdentities([deviceId])).get(deviceId);
      const certificate = certificateKey
        ? await (await parameters.ca()).clientCertificateForKey('device', deviceId, certificateKey)
        : undefined;
      results.push({
        index,
        ok: true,
        deviceId,
        created,
        status: state?.status ?? status,
        alg,
        ...(certificate ? { certificate } : {}),
      });
    } catch (error) {
      if (!(error instanceof FieldproofError)) throw error;
      results.push({ index, ok: false, ...(deviceId ? { deviceId } : {}), code: error.code, message: error.message });
    }
  }
  return {
    items: results,
    created: results.filter((result) => result.ok && result.created).length,
    failed: results.filter((result) => !result.ok).length,
  };
}
