import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  AnchorError,
  type AuditFinding,
  type AuditLogResult,
  type AuditStore,
  auditFindingKinds,
  auditLog,
  openAuditStore,
  type PostgresSnapshot,
  snapshotPostgresStore,
} from '@fieldproof/cloud';
import {
  type BulkVerifier,
  CryptoSuiteNameSchema,
  createVerifyPool,
  fromBase64,
  inlineVerifier,
  type SignatureAlgorithm,
  SignatureAlgorithmSchema,
  suiteHash,
  toBase64,
  toHex,
  type VerifyPool,
} from '@fieldproof/protocol';
import { createProgressBar, type ProgressStream } from '../progress-bar.ts';

/** Rows (log leaves plus frames) from which `--progress auto` counts a run as long. */
export const auditProgressRowsMin = 10_000;
/** Frames from which the audit verifies signatures on a worker pool rather than inline. */
export const auditPoolFramesMin = 5_000;

/** Options of runAudit that the command line does not carry. */
export interface RunAuditOptions {
  /** Where the progress bar draws; process.stderr by default. */
  progressStream?: ProgressStream;
}

const usage = `usage: fieldproof audit [--data-dir ./data] [--db <cloud.db> | --store postgres://…[?schema=name]] [--log-key <log-key.json>]
                        [--origin <origin>] [--suite intl|sm] [--progress auto|always|never] [--threads N]
                        [--rpc <URL>]`;

/** Read the public half of a key file: an auditor needs no private key. */
function readPublicKey(path: string): { alg: SignatureAlgorithm; publicKey: Uint8Array } {
  const json = JSON.parse(readFileSync(path, 'utf8')) as { alg?: unknown; publicKey?: unknown } | null;
  const alg = SignatureAlgorithmSchema.safeParse(json?.alg);
  if (!alg.success) throw new Error('it names no signature algorithm (alg)');
  const publicKey = typeof json?.publicKey === 'string' ? fromBase64(json.publicKey) : undefined;
  if (!publicKey) throw new Error('its publicKey is missing or not base64');
  return { alg: alg.data, publicKey };
}

function findingLine(finding: AuditFinding): string {
  const logLeaf = finding.logIndex === undefined ? '-' : String(finding.logIndex);
  const frameLeaf = finding.frameLeafIndex === undefined ? '-' : String(finding.frameLeafIndex);
  return `FOUND ${finding.kind.padEnd(20)} log leaf ${logLeaf.padEnd(6)} frame leaf ${frameLeaf.padEnd(5)} ${finding.table} ${finding.row}: ${finding.message}`;
}

function summaryLines(result: AuditLogResult, dbPath: string, rpcRead: boolean): string[] {
  const counted = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;
  const onChain = rpcRead
    ? `, ${counted(result.anchorsCheckedOnChain, 'anchor', 'anchors')} read back from the chain${result.anchorsOfOtherChains > 0 ? ` (${result.anchorsOfOtherChains} of other chains not read)` : ''}`
    : ' (the chain was not read: pass --rpc <URL> to compare the anchors with it)';
  const parts = [
    counted(result.leavesChecked, 'log leaf', 'log leaves'),
    counted(result.batchesChecked, 'batch', 'batches'),
    counted(result.framesChecked, 'frame', 'frames'),
    counted(result.checkpointsChecked, 'checkpoint', 'checkpoints'),
    counted(result.storedHashesChecked, 'stored hash', 'stored hashes'),
    ...(result.anchorsChecked > 0 ? [counted(result.anchorsChecked, 'anchor', 'anchors')] : []),
  ];
  const checked = `checked ${parts.slice(0, -1).join(', ')} and ${parts.at(-1)} of ${dbPath}${result.anchorsChecked > 0 ? onChain : ''}`;
  if (result.findingsTotal === 0) {
    return [
      checked,
      `clean: every row re-derives the log, which matches every signed checkpoint and anchor (largest size ${result.checkpointSizeMax}, rebuilt root ${toBase64(result.rootHash)})`,
    ];
  }
  const byKind = auditFindingKinds
    .filter((kind) => result.findingsByKind[kind] > 0)
    .map((kind) => `${kind} ${result.findingsByKind[kind]}`)
    .join(', ');
  return [checked, `NOT clean: ${result.findingsTotal} finding(s): ${byKind}`];
}

/**
 * `fieldproof audit`: re-derive the cloud's log from its stored rows and compare it with every
 * signed checkpoint and recorded anchor, and with `--rpc <URL>` with the chain too (see auditLog). Opens `<data-dir>/cloud/cloud.db` read-only (or `--db`) and the
 * public half of `<data-dir>/cloud/keys/log-key.json` (or `--log-key`). Prints one line per finding
 * with its log leaf index and frame leaf index, then a summary; a progress bar goes to stderr on
 * long runs. Returns the exit code: 0 when clean, 1 on any finding, 2 for unreadable input
 * (a chain that cannot be read at `--rpc` included).
 */
export async function runAudit(
  args: string[],
  write: (line: string) => void,
  options: RunAuditOptions = {},
): Promise<number> {
  let values: {
    'data-dir'?: string;
    db?: string;
    store?: string;
    'log-key'?: string;
    origin?: string;
    suite?: string;
    progress?: string;
    threads?: string;
    rpc?: string;
  };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        'data-dir': { type: 'string' },
        db: { type: 'string' },
        store: { type: 'string' },
        'log-key': { type: 'string' },
        origin: { type: 'string' },
        suite: { type: 'string' },
        progress: { type: 'string' },
        threads: { type: 'string' },
        rpc: { type: 'string' },
      },
    }));
  } catch (error) {
    write(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  const dataDir = values['data-dir'] ?? './data';
  const dbPath = values.db ?? join(dataDir, 'cloud', 'cloud.db');
  const keyPath = values['log-key'] ?? join(dataDir, 'cloud', 'keys', 'log-key.json');
  const progressMode = values.progress ?? 'auto';
  if (progressMode !== 'auto' && progressMode !== 'always' && progressMode !== 'never') {
    write(`--progress must be auto, always or never, got ${progressMode}\n${usage}`);
    return 2;
  }
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 0)) {
    write(`--threads must be a non-negative integer, got ${values.threads}\n${usage}`);
    return 2;
  }

  let logKey: { alg: SignatureAlgorithm; publicKey: Uint8Array };
  try {
    logKey = readPublicKey(keyPath);
  } catch (error) {
    write(`cannot read log key ${keyPath}: ${(error as Error).message}`);
    return 2;
  }

  // A PostgreSQL store is audited through a consistent snapshot of its rows in a temporary SQLite file.
  let snapshot: PostgresSnapshot | undefined;
  let storeLabel = dbPath;
  if (values.store !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(values.store)) {
      write(`--store must be a postgres:// URL (use --db for a SQLite file), got ${values.store}\n${usage}`);
      return 2;
    }
    const url = new URL(values.store);
    const schema = url.searchParams.get('schema') ?? undefined;
    url.searchParams.delete('schema');
    try {
      snapshot = await snapshotPostgresStore(url.toString(), schema);
    } catch (error) {
      write((error as Error).message);
      return 2;
    }
    url.password = url.password ? '***' : '';
    storeLabel = `${url.toString()}${schema === undefined ? '' : ` schema ${schema}`}`;
  }
  let store: AuditStore;
  try {
    store = openAuditStore(snapshot?.path ?? dbPath);
  } catch (error) {
    snapshot?.remove();
    write((error as Error).message);
    return 2;
  }
  let pool: VerifyPool | undefined;
  try {
    const suiteText = values.suite ?? store.storedSuite ?? 'intl';
    const suiteParsed = CryptoSuiteNameSchema.safeParse(suiteText);
    if (!suiteParsed.success) {
      write(`suite must be intl or sm, got ${suiteText}`);
      return 2;
    }
    const suite = suiteParsed.data;
    // The origin the cloud derives from its log key, unless it was configured and stored.
    const origin =
      values.origin ??
      store.storedOrigin ??
      `fieldproof.local/log/${toHex(suiteHash('intl', logKey.publicKey)).slice(0, 16)}`;

    let verifier: BulkVerifier = inlineVerifier;
    if (threads !== 0 && store.frameCount >= auditPoolFramesMin) {
      pool = createVerifyPool(threads === undefined ? {} : { threads });
      verifier = pool;
    }
    const progressStream = options.progressStream ?? process.stderr;
    const bar = createProgressBar({ stream: progressStream, label: 'audit' });
    let showProgress = progressMode === 'always';
    let result: AuditLogResult;
    try {
      result = await auditLog(store.db, {
        suite,
        origin,
        logKey: { keyName: origin, alg: logKey.alg, publicKey: logKey.publicKey },
        verifier,
        rpcUrl: values.rpc,
        onProgress(done, total) {
          if (progressMode === 'auto' && total >= auditProgressRowsMin) showProgress = true;
          if (showProgress) bar.update(done, total);
        },
        onFinding(finding) {
          if (showProgress) bar.clear();
          write(findingLine(finding));
        },
      });
    } catch (error) {
      if (!(error instanceof AnchorError)) throw error;
      if (showProgress) bar.finish();
      write(`cannot read the chain at --rpc (${error.code}): ${error.message}`);
      return 2;
    }
    if (showProgress) bar.finish();
    for (const line of summaryLines(result, storeLabel, values.rpc !== undefined)) write(line);
    return result.findingsTotal === 0 ? 0 : 1;
  } finally {
    await pool?.close();
    store.close();
    snapshot?.remove();
  }
}
