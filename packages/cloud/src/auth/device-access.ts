import { assert, FieldproofError } from '@fieldproof/protocol';
import type { FastifyRequest } from 'fastify';
import type { AccessLogInsert, AuthStore } from './auth-store.ts';
import { coveringConsent, type DataItem, type DeviceOwner, deviceReadScope } from './device-read-scope.ts';
import type { Principal } from './principal.ts';

/** One device-data item as a list filter sees it. */
export type DeviceDataItem = { deviceId: string } & DataItem;

/**
 * The gate of device data reads (frames, their proofs, events, the device list, quarantine):
 * platform admins see everything, enterprise users their own organisation's devices, banks what
 * a live consent covers. Every bank read, allowed or refused, and every refused cross-organisation
 * read is written to the access log.
 */
export interface DeviceAccess {
  /**
   * A single-item read: returns when the caller may read `item` of `deviceId`; throws
   * `consent_missing` (bank) or `organisation_forbidden` (another organisation's data) otherwise.
   * An unknown device is refused like another organisation's (so ids cannot be probed).
   */
  authorize(request: FastifyRequest, deviceId: string, item: DataItem, resource: string): Promise<void>;
  /** A list read: the items the caller may read, in order. */
  filter<T>(
    request: FastifyRequest,
    items: readonly T[],
    describe: (item: T) => DeviceDataItem,
    resource: string,
  ): Promise<T[]>;
  /** The edges whose records (quarantine, registry) the caller sees: undefined for every edge. */
  visibleEdges(request: FastifyRequest): Promise<ReadonlySet<string> | undefined>;
}

/** What the gate needs. */
export interface DeviceAccessDeps {
  auth: AuthStore;
  clock: () => number;
}

function principalOf(request: FastifyRequest): Principal {
  // The permission hook runs first on every data route, so a principal is there.
  assert(request.principal !== undefined, 'a device data route ran without a principal');
  return request.principal;
}

function routeOf(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? request.url}`;
}

/** The device data gate on the auth store. */
export function createDeviceAccess(deps: DeviceAccessDeps): DeviceAccess {
  const { auth } = deps;
  const entry = (
    request: FastifyRequest,
    principal: Principal,
    fields: Pick<AccessLogInsert, 'owner_organisation_id' | 'resource' | 'consent_id' | 'outcome' | 'code'>,
  ): AccessLogInsert => ({
    at_ms: deps.clock(),
    subject: principal.subject,
    organisation_id: principal.organisationId,
    route: routeOf(request),
    remote_address: request.ip,
    ...fields,
  });
  const owners = async (deviceIds: readonly string[]): Promise<Map<string, DeviceOwner>> => {
    const found = await auth.deviceOwners(deviceIds);
    return new Map(
      deviceIds.map((deviceId) => {
        const owner = found.get(deviceId);
        return [
          deviceId,
          { deviceId, organisationId: owner?.organisationId ?? null, siteId: owner?.siteId ?? null },
        ] as const;
      }),
    );
  };
  return {
    async authorize(request, deviceId, item, resource) {
      const principal = principalOf(request);
      const scope = await deviceReadScope(auth, principal, deps.clock());
      if (scope.kind === 'all') return;
      const device = (await owners([deviceId])).get(deviceId) as DeviceOwner;
      if (scope.kind === 'organisation') {
        if (device.organisationId === scope.organisationId) return;
        await auth.insertAccess([
          entry(request, principal, {
            owner_organisation_id: device.organisationId,
            resource,
            consent_id: null,
            outcome: 'refused',
            code: 'organisation_forbidden',
          }),
        ]);
        throw new FieldproofError('organisation_forbidden', `${resource} belongs to another organisation`);
      }
      const consent = coveringConsent(scope.consents, device, item);
      await auth.insertAccess([
        entry(request, principal, {
          owner_organisation_id: device.organisationId,
          resource,
          consent_id: consent?.id ?? null,
          outcome: consent ? 'allowed' : 'refused',
          code: consent ? null : 'consent_missing',
        }),
      ]);
      if (!consent) {
        throw new FieldproofError('consent_missing', `no live consent of the data owner covers ${resource}`);
      }
    },
    async filter(request, items, describe, resource) {
      const principal = principalOf(request);
      const scope = await deviceReadScope(auth, principal, deps.clock());
      if (scope.kind === 'all') return [...items];
      const described = items.map(describe);
      const devices = await owners([...new Set(described.map((item) => item.deviceId))]);
      if (scope.kind === 'organisation') {
        return items.filter(
          (_, index) => devices.get(described[index]?.deviceId ?? '')?.organisationId === scope.organisationId,
        );
      }
      // A bank's list read: one access log row per data owner whose data it got, naming the consents used.
      const kept: (typeof items)[number][] = [];
      const consentsByOwner = new Map<string, Set<string>>();
      items.forEach((item, index) => {
        const data = described[index] as DeviceDataItem;
        const device = devices.get(data.deviceId) as DeviceOwner;
        const consent = coveringConsent(scope.consents, device, data);
        if (!consent) return;
        kept.push(item);
        const used = consentsByOwner.get(consent.organisationId) ?? new Set<string>();
        used.add(consent.id);
        consentsByOwner.set(consent.organisationId, used);
      });
      const rows = [...consentsByOwner].map(([owner, consentIds]) =>
        entry(request, principal, {
          owner_organisation_id: owner,
          resource,
          consent_id: [...consentIds].join(','),
          outcome: 'allowed',
          code: null,
        }),
      );
      // A list that returned nothing is still a bank read: logged without an owner.
      await auth.insertAccess(
        rows.length > 0
          ? rows
          : [
              entry(request, principal, {
                owner_organisation_id: null,
                resource,
                consent_id: null,
                outcome: 'allowed',
                code: null,
              }),
            ],
      );
      return kept;
    },
    async visibleEdges(request) {
      const principal = principalOf(request);
      if (principal.role === 'platform_admin') return undefined;
      const edges = await auth.edgeOwners();
      return new Set([...edges].filter(([, owner]) => owner === principal.organisationId).map(([edgeId]) => edgeId));
    },
  };
}

/** The context's device data gate. Precondition: the server installed auth (a programmer error otherwise). */
export function deviceAccessOf(context: { access?: DeviceAccess }): DeviceAccess {
  assert(context.access !== undefined, 'device data routes need the auth gate (installAuth)');
  return context.access;
}
