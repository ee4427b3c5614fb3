/**
 * bench:anchor — gas per checkpoint anchor on a real local EVM node (Anvil), through the
 * anchoring service itself, beside a baseline measured in the same run: a plain ETH transfer
 * (the 21,000-gas floor of any transaction). The first anchor of a log also creates the log's
 * `latestSize` slot, so it is reported apart from the steady state.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  anvilAccounts,
  createEvmAnchorer,
  createEvmClients,
  deployCheckpointAnchor,
  startAnvil,
} from '@fieldproof/cloud';
import { formatCheckpoint, signNote } from '@fieldproof/ledger';
import { generateKeyPair, keyPairSigner, suiteHash, utf8 } from '@fieldproof/protocol';
import pino from 'pino';
import type { Hex } from 'viem';
import { openSqliteCloudStore } from '../packages/cloud/src/storage/sqlite/open-sqlite-cloud-store.ts';
import { describeMachine, writeResults } from './machine.ts';

const anchorsTotal = Number(process.env.BENCH_ANCHORS ?? 50);
const targetGasMax = 80_000;

const machine = describeMachine();
console.log(
  `bench:anchor on ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.date}`,
);

function median(values: readonly bigint[]): bigint {
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted[Math.floor((sorted.length - 1) / 2)] as bigint;
}

const folder = mkdtempSync(join(tmpdir(), 'fieldproof-bench-anchor-'));
const anvil = await startAnvil();
const store = await openSqliteCloudStore(join(folder, 'cloud.db'));
try {
  const [owner, member, recipient] = anvilAccounts;
  const ownerClients = createEvmClients({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, privateKey: owner.privateKey });
  const deployed = await deployCheckpointAnchor(ownerClients, { members: [member.address] });
  console.log(`  anvil ${anvil.rpcUrl}, chain ${anvil.chainId}; CheckpointAnchor deployed for ${deployed.gasUsed} gas`);

  const transferHash = await ownerClients.walletClient.sendTransaction({ to: recipient.address, value: 1n });
  const transferGas = (await ownerClients.publicClient.waitForTransactionReceipt({ hash: transferHash })).gasUsed;

  const origin = 'bench.fieldproof.test/anchor';
  const signer = keyPairSigner(generateKeyPair('ed25519'));
  for (let index = 1; index <= anchorsTotal; index++) {
    const size = index * 1_000;
    const rootHash = suiteHash('intl', utf8(`bench root ${size}`));
    const note = signNote(formatCheckpoint({ origin, size, rootHash, suite: 'intl' }), { keyName: origin, signer });
    await store.insertCheckpoint(size, rootHash, note, Date.now());
  }
  const anchorer = createEvmAnchorer(
    { store, origin, suite: 'intl', log: pino({ level: 'silent' }), clock: Date.now },
    {
      config: {
        rpcUrl: anvil.rpcUrl,
        chainId: anvil.chainId,
        contractAddress: deployed.contractAddress,
        memberPrivateKey: member.privateKey,
        pollIntervalMs: 10,
      },
    },
  );
  const started = performance.now();
  await anchorer.drain();
  const seconds = (performance.now() - started) / 1_000;
  const rows = await anchorer.anchors.anchors();
  if (rows.length !== anchorsTotal || rows.some((row) => row.state !== 'final')) {
    throw new Error(`expected ${anchorsTotal} final anchors, got ${rows.length}`);
  }
  const gas: bigint[] = [];
  for (const row of rows) {
    const receipt = await ownerClients.publicClient.getTransactionReceipt({ hash: row.txHash as Hex });
    gas.push(receipt.gasUsed);
  }
  const [first, ...steady] = gas as [bigint, ...bigint[]];
  const steadyMin = steady.reduce((a, b) => (b < a ? b : a));
  const steadyMax = steady.reduce((a, b) => (b > a ? b : a));
  const steadyMedian = median(steady);
  console.log(`  baseline: plain ETH transfer              ${transferGas.toLocaleString('en')} gas`);
  console.log(`  first anchor of a log (creates its slot)  ${first.toLocaleString('en')} gas`);
  console.log(
    `  anchors 2..${anchorsTotal}: min ${steadyMin.toLocaleString('en')}  median ${steadyMedian.toLocaleString('en')}  max ${steadyMax.toLocaleString('en')} gas   (target ≤ ${targetGasMax.toLocaleString('en')})`,
  );
  console.log(
    `  median anchor ÷ ETH transfer = ${(Number(steadyMedian) / Number(transferGas)).toFixed(2)}; ${anchorsTotal} anchors sent and final in ${seconds.toFixed(2)} s (automine)`,
  );
  const path = writeResults('anchor', {
    anchorsTotal,
    deploymentGas: Number(deployed.gasUsed),
    baselineEthTransferGas: Number(transferGas),
    firstAnchorGas: Number(first),
    anchorGasMin: Number(steadyMin),
    anchorGasMedian: Number(steadyMedian),
    anchorGasMax: Number(steadyMax),
    ratioMedianToTransfer: Number((Number(steadyMedian) / Number(transferGas)).toFixed(3)),
    secondsTotal: Number(seconds.toFixed(3)),
    node: 'anvil 1.7.1 (automine)',
    target: { anchorGasMax: targetGasMax },
  });
  console.log(`\n  figures written to ${path}`);
} finally {
  await store.close();
  await anvil.stop();
  rmSync(folder, { recursive: true, force: true });
}
