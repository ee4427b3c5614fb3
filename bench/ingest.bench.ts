/**
 * bench:ingest — end-to-end frames/s (simulated devices → MQTT → edge → cloud → stored and
 * logged, every frame signature-checked at the edge and again at the cloud) beside two baselines
 * measured in the same run on the same machine: (a) raw signature verification on all cores
 * through the same worker pool, and (b) raw MQTT QoS 1 throughput through the same broker.
 * Frames are signed before the clock starts: device-side signing is the devices' cost, not ours.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedBench } from './ingest-setup.ts';
import { describeMachine, writeResults } from './machine.ts';

const framesTotal = Number(process.env.BENCH_FRAMES ?? 40_000);
const deviceCount = Number(process.env.BENCH_DEVICES ?? 100);

const machine = describeMachine();
console.log(
  `bench:ingest on ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.date}`,
);
console.log(`  ${framesTotal} frames from ${deviceCount} devices (Ed25519), frames pre-signed\n`);

const dataDir = mkdtempSync(join(tmpdir(), 'fieldproof-bench-ingest-'));
const bench = await createEmbeddedBench({ dataDir, deviceCount, framesTotal });
try {
  const verifyPerSecond = await bench.rawVerifyRate();
  console.log(
    `  (a) raw verification, ${bench.threads} threads:   ${Math.round(verifyPerSecond).toLocaleString('en')} signatures/s`,
  );
  const mqttPerSecond = await bench.rawMqttRate();
  console.log(`  (b) raw MQTT QoS 1 through the broker: ${Math.round(mqttPerSecond).toLocaleString('en')} messages/s`);
  const endToEnd = await bench.endToEndRate();
  console.log(
    `  (c) end to end, stored and logged:     ${Math.round(endToEnd.framesPerSecond).toLocaleString('en')} frames/s`,
  );
  console.log(
    `      (${endToEnd.frames} frames in ${endToEnd.seconds.toFixed(2)} s, ${endToEnd.batches} batches, log size ${endToEnd.logSize})`,
  );
  const ratioVerify = endToEnd.framesPerSecond / verifyPerSecond;
  const ratioMqtt = endToEnd.framesPerSecond / mqttPerSecond;
  console.log(
    `\n  end to end ÷ raw verification = ${ratioVerify.toFixed(3)}   (target ≥ 0.5; each frame is verified twice: edge and cloud)`,
  );
  console.log(`  end to end ÷ raw MQTT         = ${ratioMqtt.toFixed(3)}`);
  // Each frame is verified twice (edge, then cloud), so the pipeline's verification work is 2 × (c).
  const verifyShare = (2 * endToEnd.framesPerSecond) / verifyPerSecond;
  console.log(
    `  signatures verified in the pipeline (2 per frame) ÷ raw verification = ${verifyShare.toFixed(3)}   (the ceiling of (c) ÷ (a) on one machine is 0.5)`,
  );
  const path = writeResults('ingest', {
    framesTotal,
    deviceCount,
    verifyThreads: bench.threads,
    rawVerifyPerSecond: Math.round(verifyPerSecond),
    rawMqttMessagesPerSecond: Math.round(mqttPerSecond),
    endToEndFramesPerSecond: Math.round(endToEnd.framesPerSecond),
    endToEndSeconds: Number(endToEnd.seconds.toFixed(3)),
    batches: endToEnd.batches,
    ratioEndToEndToVerify: Number(ratioVerify.toFixed(3)),
    ratioEndToEndToMqtt: Number(ratioMqtt.toFixed(3)),
    ratioPipelineVerificationsToVerify: Number(verifyShare.toFixed(3)),
    target: { ratioEndToEndToVerifyMin: 0.5 },
  });
  console.log(`\n  figures written to ${path}`);
} finally {
  await bench.close();
  rmSync(dataDir, { recursive: true, force: true });
}
