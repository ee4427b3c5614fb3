import { FieldproofError } from '@fieldproof/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { JsonObjectSchema } from '../api/openapi-schemas.ts';
import '../auth/principal.ts';
import type { CloudContext } from '../context.ts';
import { provisionDevices } from '../identity/provision-devices.ts';
import type { DevelopmentCa } from '../tls/development-ca.ts';

/** Largest provisioning request body: provisioningBatchMax CSRs of about 1 KiB each, with room. */
export const provisioningBodyBytesMax = 16 * 1024 * 1024;

const Body = z.object({ devices: z.array(z.unknown()).min(1) }).strict();

/**
 * POST /v1/provisioning/devices (admin): register up to `limits.provisioningBatchMax` devices in one
 * call, each from a PKCS#10 CSR or an id and public key, with a per-item result and a client
 * certificate for mTLS (docs/identity-lifecycle.md). 200 even when some items failed: read each.
 */
export async function provisioningRoutes(
  app: FastifyInstance,
  context: CloudContext,
  ca: () => Promise<DevelopmentCa>,
) {
  app.post(
    '/v1/provisioning/devices',
    {
      bodyLimit: provisioningBodyBytesMax,
      config: {
        openapi: {
          operationId: 'provisionDevices',
          summary: 'Register devices from public keys or PKCS#10 CSRs; client certificates for mTLS.',
          tags: ['identity'],
          responses: { 200: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      const body = Body.parse(request.body);
      const max = context.config.limits.provisioningBatchMax;
      if (body.devices.length > max) {
        throw new FieldproofError(
          'request_invalid',
          `${body.devices.length} devices in one call, over provisioningBatchMax ${max}; split the list`,
        );
      }
      return provisionDevices(context, {
        items: body.devices,
        ca,
        actorId: request.principal?.subject ?? 'admin-token',
      });
    },
  );
}
