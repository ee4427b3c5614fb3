import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { CryptoSuiteName } from '@fieldproof/protocol';
import pino from 'pino';
import { defaultConsoleDir, startEmbedded } from '../embedded.ts';
import { PortInUseError } from '../port-in-use-error.ts';
import { logRedaction } from '../tls/log-redaction.ts';
import { storeFromOption } from './serve.ts';

/** Options of `fieldproof start`. */
export interface StartCommandOptions {
  dataDir: string;
  host: string;
  mqttPort: number;
  httpPort: number;
  edgePort: number;
  /** Port of the demo Modbus power meter (0 = a free one). */
  modbusPort?: number;
  /** Port of the demo OPC UA weighing indicator (0 = a free one). */
  opcuaPort?: number;
  /** UDP port of direct CoAP ingest; 0 picks a free one (default 5683). */
  coapPort?: number;
  suite: CryptoSuiteName;
  devicesPerKind: number;
  ratePerDeviceHz: number;
  logLevel: string;
  /** TLS on every listener with the development CA (the default). */
  tls: boolean;
  /** mTLS for devices on the broker and the edge's intake. */
  mutualTls: boolean;
  /** `--store`: sqlite (default), sqlite:<path>, or postgres://…[?schema=name] (see storeFromOption). */
  store?: string;
}

/**
 * `fieldproof start`: run the embedded default in this process until Ctrl-C, printing the URLs,
 * a copy-paste proof check and a status line every few seconds.
 */
export async function runStart(options: StartCommandOptions, write: (line: string) => void): Promise<number> {
  const dataDir = resolve(options.dataDir);
  const log = pino({ level: options.logLevel, redact: logRedaction }, pino.destination(2));
  write(`Fieldproof: starting the embedded default (data in ${dataDir})`);
  let embedded: Awaited<ReturnType<typeof startEmbedded>>;
  try {
    embedded = await startEmbedded({
      dataDir,
      host: options.host,
      mqttPort: options.mqttPort,
      httpPort: options.httpPort,
      edgePort: options.edgePort,
      ...(options.modbusPort === undefined ? {} : { modbusPort: options.modbusPort }),
      ...(options.opcuaPort === undefined ? {} : { opcuaPort: options.opcuaPort }),
      ...(options.coapPort === undefined ? {} : { coapPort: options.coapPort }),
      suite: options.suite,
      devicesPerKind: options.devicesPerKind,
      ratePerDeviceHz: options.ratePerDeviceHz,
      log,
      tls: options.tls,
      mutualTls: options.mutualTls,
      financeDemo: true,
      ...(options.store === undefined ? {} : { store: storeFromOption(options.store) }),
    });
  } catch (error) {
    if (error instanceof PortInUseError) {
      write(`cannot start: ${error.message}`);
      return 3;
    }
    throw error;
  }
  const { cloud, edge, broker, devices } = embedded;
  // curl must trust the development CA; the path is relative when the data folder is below the working directory.
  const caFile = embedded.tls ? relativeOrAbsolute(embedded.tls.caFile) : undefined;
  const curl = caFile ? `curl -s --cacert ${caFile}` : 'curl -s';
  write('');
  write(`  MQTT broker     ${broker.url}   (devices publish to fieldproof/v1/frames/<deviceId>)`);
  write(`  Cloud API       ${cloud.url}   (status: ${cloud.url}/v1/status)`);
  write(
    `  Direct ingest   ${cloud.url}/v1/ingest/frames, CoAP coap://${options.host}:${cloud.directIngest?.coapPort ?? '-'}/frames, MQTT ${broker.url} topic fieldproof/v1/direct/frames/<deviceId>   (devices with no edge)`,
  );
  write(
    `  Console         ${cloud.url}/${existsSync(join(defaultConsoleDir, 'index.html')) ? '' : '   (not built: run npm run build:console)'}`,
  );
  write(`  Edge gateway    ${edge.httpUrl ?? '(no HTTP)'}   (status: ${edge.httpUrl}/v1/status)`);
  write(
    `  TLS             ${caFile ? `on, development CA ${caFile} (clients trust it; see docs/tls.md)${embedded.tls?.mutual ? '; mTLS: devices present certificates from it' : ''}` : 'off (--plain): listeners are plain HTTP and MQTT on loopback'}`,
  );
  write(`  Log origin      ${cloud.origin}`);
  write(
    `  Witnesses       ${embedded.witnesses.map((witness) => witness.key.keyName).join(', ')} (${cloud.context.config.witnessThreshold} of ${embedded.witnesses.length} make a checkpoint final)`,
  );
  write(
    `  Chain           ${cloud.anchorer ? `anchoring to chain ${cloud.anchorer.scope.chainId}, contract ${cloud.anchorer.scope.contractAddress}` : 'none: checkpoints are signed but not anchored (anchoring to Besu, FISCO BCOS, Quorum or Anvil is set in cloud.chain)'}`,
  );
  write(
    `  Demo site       ${devices.length} simulated devices: ${devices.map((device) => device.deviceId).join(', ')}`,
  );
  if (embedded.industrial) {
    write(
      `  Keyless devices ${embedded.industrial.deviceIds.join(', ')} (edge-attested): Modbus TCP meter on port ${embedded.industrial.meterPort}, OPC UA scale at ${embedded.industrial.scaleEndpoint}`,
    );
  }
  const demoAccess = embedded.demoAccess;
  if (demoAccess?.created) {
    // Shown this once; the file keeps them (mode 0600).
    write('');
    write(`  Log in as (passwords generated now, kept in ${relativeOrAbsolute(demoAccess.path)}):`);
    for (const user of demoAccess.users) {
      write(`    ${user.role.padEnd(20)} ${user.email.padEnd(30)} ${user.password}   (${user.organisationId})`);
    }
  } else if (demoAccess) {
    write(`  Demo users      log in as the users in ${relativeOrAbsolute(demoAccess.path)}`);
  }
  // Data reads need credentials (docs/access-control.md): the admin token acts as a platform admin.
  const adminTokenFile = relativeOrAbsolute(join(dataDir, 'cloud', 'keys', 'admin-token'));
  const authorised = `${curl} -H "Authorization: Bearer $(cat ${adminTokenFile})"`;
  write('');
  write('  Fetch a proof of the newest frame and verify it offline:');
  write(`    ${curl} ${cloud.url}/v1/trust > trust.json`);
  write(
    `    ${authorised} ${cloud.url}/v1/frames/$(${authorised} '${cloud.url}/v1/frames?limit=1' | node -pe 'JSON.parse(require("fs").readFileSync(0)).items[0].id')/proof > bundle.json`,
  );
  write('    npm run fieldproof -- verify bundle.json --trust trust.json');
  write('');
  write('  Ctrl-C stops cleanly; npm start again resumes from the data folder.');
  write('');

  const statusTimer = setInterval(async () => {
    const status = await cloud.context.store.totals().catch(() => undefined);
    if (!status) return;
    const edgeStatus = edge.status();
    const checkpoint = await cloud.context.store.latestCheckpoint();
    write(
      `[${new Date().toISOString()}] frames ${status.frames} · batches ${status.batches} · log size ${cloud.context.sequencer.size} · checkpoint ${checkpoint?.size ?? 0} · edge outbox ${edgeStatus.outbox.batches} · rejects edge ${edgeStatus.quarantined} cloud ${status.quarantined}`,
    );
  }, 5_000);

  await new Promise<void>((resolveSignal) => {
    const onSignal = (signal: string) => {
      write(`\n${signal}: stopping (devices, edge, cloud, broker, witnesses)…`);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolveSignal();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  clearInterval(statusTimer);
  await embedded.stop();
  write('stopped cleanly.');
  return 0;
}

function relativeOrAbsolute(path: string): string {
  const shorter = relative(process.cwd(), path);
  return shorter.startsWith('..') || isAbsolute(shorter) ? path : shorter;
}
