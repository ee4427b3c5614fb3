/**
 * Fails (exit 1) on an import that breaks the one-way dependency rule of ARCHITECTURE.md:
 * protocol imports nothing of ours; client (the typed API client) only protocol; ledger and finance import only protocol; device, edge, cloud
 * and console import only those three, never each other; only cli imports device, edge and cloud.
 * It also refuses a relative import that climbs out of its package, and Node built-ins in the
 * packages that must do no I/O of their own (ledger, finance).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

export const allowed: Record<string, readonly string[]> = {
  protocol: [],
  client: ['protocol'],
  ledger: ['protocol'],
  finance: ['protocol'],
  device: ['protocol', 'ledger', 'finance'],
  edge: ['protocol', 'ledger', 'finance'],
  cloud: ['protocol', 'ledger', 'finance'],
  console: ['protocol', 'ledger', 'finance', 'client'],
  cli: ['protocol', 'ledger', 'finance', 'client', 'device', 'edge', 'cloud'],
};

/** Packages that do no I/O of their own: node:fs, node:net and friends are refused there. */
const noInputOutput = new Set(['ledger', 'finance']);
const inputOutputModules =
  /^(node:)?(fs|fs\/promises|net|http|https|http2|dgram|child_process|worker_threads|cluster|tls)$/;

function sourceFiles(folder: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(folder)) {
    // Build output (dist/) is generated from the sources checked here.
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(folder, name);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (/\.(ts|tsx|js|mjs)$/.test(name)) files.push(path);
  }
  return files;
}

/** Every violation in the tree under `root`, as readable lines. */
export function findViolations(root: string): string[] {
  const packagesFolder = join(root, 'packages');
  const violations: string[] = [];
  const importPattern =
    /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|import\s*['"]([^'"]+)['"]/g;
  for (const name of readdirSync(packagesFolder)) {
    const packageFolder = join(packagesFolder, name);
    if (!statSync(packageFolder).isDirectory()) continue;
    const permitted = allowed[name];
    if (!permitted) {
      violations.push(
        `packages/${name}: not a package the architecture knows; add it to scripts/check-dependencies.ts`,
      );
      continue;
    }
    for (const file of sourceFiles(packageFolder)) {
      const isTest = /\.test\.tsx?$/.test(file) || file.includes(`${sep}_test${sep}`);
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(importPattern)) {
        const specifier = match[1] ?? match[2] ?? match[3] ?? '';
        const where = relative(root, file);
        const ours = /^@fieldproof\/([^/]+)/.exec(specifier);
        if (ours) {
          const target = ours[1] as string;
          if (target !== name && !permitted.includes(target)) {
            violations.push(
              `${where}: ${name} must not import @fieldproof/${target} (allowed: ${permitted.join(', ') || 'none'})`,
            );
          }
        } else if (specifier.startsWith('.')) {
          const target = resolve(file, '..', specifier);
          if (!target.startsWith(packageFolder + sep)) {
            violations.push(
              `${where}: relative import ${specifier} leaves package ${name}; import its package instead`,
            );
          }
        } else if (noInputOutput.has(name) && !isTest && inputOutputModules.test(specifier)) {
          violations.push(`${where}: ${name} does no I/O of its own but imports ${specifier}`);
        }
      }
    }
  }
  return violations;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const violations = findViolations(resolve(import.meta.dirname, '..'));
  if (violations.length > 0) {
    process.stderr.write(`dependency rule broken:\n${violations.map((line) => `  ${line}`).join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write('dependency rule holds: every import points the allowed way\n');
}
