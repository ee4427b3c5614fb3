// `npm start` runs this first: it builds the web console with Vite when packages/console/dist has
// no index.html, and does nothing otherwise. It builds from the installed packages only; no
// network fetch.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';

const consoleFolder = join(import.meta.dirname, '..', 'packages', 'console');
const indexPath = join(consoleFolder, 'dist', 'index.html');

if (existsSync(indexPath)) {
  process.exit(0);
}
process.stdout.write('Fieldproof: building the web console (once; npm run build:console rebuilds it)\n');
await build({ configFile: join(consoleFolder, 'vite.config.ts'), root: consoleFolder, logLevel: 'warn' });
