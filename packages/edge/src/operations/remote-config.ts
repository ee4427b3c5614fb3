import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EdgeConfigDocument, EdgeConfigDocumentSchema, type EdgeRemoteConfig } from '@fieldproof/protocol';
import { type EdgeConfig, parseEdgeConfig } from '../config.ts';

/** Where an edge keeps the remote config version it applied. */
export function remoteConfigPath(dataDir: string): string {
  return join(dataDir, 'remote-config.json');
}

/** The applied remote config document, if any (a damaged file counts as none, and is reported). */
export function readRemoteConfig(dataDir: string): EdgeConfigDocument | undefined {
  const path = remoteConfigPath(dataDir);
  if (!existsSync(path)) return undefined;
  return EdgeConfigDocumentSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}

/** Keep `document` as the applied remote config (atomically: temporary file, then rename). */
export function writeRemoteConfig(dataDir: string, document: EdgeConfigDocument): void {
  const path = remoteConfigPath(dataDir);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(document)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

/** The local config input with the remote settings laid over it (remote wins; absent keys stay local). */
export function mergeRemoteConfig(input: Record<string, unknown>, remote: EdgeRemoteConfig): Record<string, unknown> {
  const object = (value: unknown): Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const merged: Record<string, unknown> = { ...input };
  if (remote.profile !== undefined) merged.profile = remote.profile;
  if (remote.batch) merged.batch = { ...object(input.batch), ...remote.batch };
  if (remote.uplink) merged.uplink = { ...object(input.uplink), ...remote.uplink };
  if (remote.derive) merged.derive = { ...object(input.derive), ...remote.derive };
  if (remote.devices) merged.devices = remote.devices;
  if (remote.heartbeatIntervalMs !== undefined) {
    merged.operations = { ...object(input.operations), heartbeatIntervalMs: remote.heartbeatIntervalMs };
  }
  return merged;
}

/** What applying a remote config did. */
export type ApplyRemoteConfigResult =
  | { applied: true; version: number; changedLive: string[]; pendingRestart: string[] }
  | { applied: false; version: number; reason: string };

/**
 * Apply a remote config document to a running edge: validate the whole config it would make
 * (a bad one is refused, never applied); change live what can change live (batch, uplink,
 * heartbeat interval: the extensions read them from the config object each time); keep the rest
 * (profile, derive, devices) in the persisted document for the next start and name it.
 */
export function applyRemoteConfig(
  running: EdgeConfig,
  localInput: Record<string, unknown>,
  document: EdgeConfigDocument,
): ApplyRemoteConfigResult {
  let next: EdgeConfig;
  try {
    next = parseEdgeConfig(mergeRemoteConfig(localInput, document.config));
  } catch (error) {
    return { applied: false, version: document.version, reason: (error as Error).message };
  }
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const changedLive: string[] = [];
  if (!same(running.batch, next.batch)) {
    Object.assign(running.batch, next.batch);
    changedLive.push('batch');
  }
  if (!same(running.uplink, next.uplink)) {
    Object.assign(running.uplink, next.uplink);
    changedLive.push('uplink');
  }
  if (running.operations.heartbeatIntervalMs !== next.operations.heartbeatIntervalMs) {
    running.operations.heartbeatIntervalMs = next.operations.heartbeatIntervalMs;
    changedLive.push('heartbeatIntervalMs');
  }
  const pendingRestart: string[] = [];
  if (running.profile !== next.profile) pendingRestart.push('profile');
  if (!same(running.derive, next.derive)) pendingRestart.push('derive');
  if (!same(running.devices, next.devices)) pendingRestart.push('devices');
  return { applied: true, version: document.version, changedLive, pendingRestart };
}
