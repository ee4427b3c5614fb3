/**
 * One embedded cloud for bench:scale, in its own process: `tsx bench/scale-node.ts '<cloud config JSON>'`.
 * Prints `node listening <url>` and runs until SIGTERM.
 */
import { startCloudServer } from '@fieldproof/cloud';
import { createVerifyPool } from '@fieldproof/protocol';

const config = JSON.parse(process.argv[2] ?? '{}');
const pool = createVerifyPool();
const cloud = await startCloudServer(config, { verifier: pool });
process.stdout.write(`node listening ${cloud.url}\n`);
await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
await cloud.stop();
await pool.close();
process.exit(0);
