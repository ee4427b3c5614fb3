/**
 * Generates packages/client/src/fieldproof-api.ts, the TypeScript types of the open API, with
 * openapi-typescript from the /openapi.json of an in-process cloud (SQLite in a temporary folder,
 * a free loopback port), formatted by the repository's Biome. `tsx scripts/generate-client.ts
 * --check` exits 1 when the committed types differ from the spec the routes describe today (part
 * of `npm run check`), so a route change without `npm run generate:client` fails CI.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import { startCloudServer } from '../packages/cloud/src/server.ts';

/** The repository root. */
export const repositoryRoot = resolve(import.meta.dirname, '..');

/** Path of the generated types. */
export const clientTypesPath = join(repositoryRoot, 'packages/client/src/fieldproof-api.ts');

const header = `/**
 * The Fieldproof open API's types, generated from /openapi.json by openapi-typescript
 * (npm run generate:client). Do not edit: change the route descriptions and generate again.
 */
`;

/** The OpenAPI document of a freshly started cloud with default configuration. */
export async function fetchOpenApiDocument(): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fieldproof-openapi-'));
  const cloud = await startCloudServer({ dataDir, http: { host: '127.0.0.1', port: 0 } });
  try {
    const response = await fetch(`${cloud.url}/openapi.json`);
    if (!response.ok) throw new Error(`GET /openapi.json answered ${response.status}`);
    return (await response.json()) as Record<string, unknown>;
  } finally {
    await cloud.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The generated module's text, formatted as committed. */
export async function generateClientTypes(): Promise<string> {
  const document = await fetchOpenApiDocument();
  const ast = await openapiTS(document as never, { alphabetize: true });
  return formatWithBiome(header + astToString(ast));
}

function formatWithBiome(text: string): string {
  const biome = join(repositoryRoot, 'node_modules/.bin/biome');
  const result = spawnSync(biome, ['format', `--stdin-file-path=${clientTypesPath}`], {
    cwd: repositoryRoot,
    input: text,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`biome format failed: ${result.stderr}`);
  return result.stdout;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const generated = await generateClientTypes();
  if (process.argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(clientTypesPath, 'utf8');
    } catch {}
    if (committed !== generated) {
      process.stderr.write('packages/client/src/fieldproof-api.ts is not current: run npm run generate:client\n');
      process.exit(1);
    }
    process.stdout.write('packages/client/src/fieldproof-api.ts is current\n');
  } else {
    writeFileSync(clientTypesPath, generated);
    process.stdout.write(`wrote ${clientTypesPath}\n`);
  }
}
