/**
 * Builds the Angular UI when its build is missing or older than its sources, so that
 * `npm start` serves the current pages without a separate step. `ng build` builds every
 * entry (the practitioner's app and the patient's; angular.json, target `build`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
/** The index.html of each entry; the build is stale when any is missing. */
const BUILT = [join(root, 'dist', 'ui', 'browser', 'index.html'), join(root, 'dist', 'ui', 'patient', 'browser', 'index.html')];
/** What the UI is built from. */
const SOURCES = [join(root, 'ui'), join(root, 'meet', 'drivers'), join(root, 'protocol'), join(root, 'angular.json')];

/** The newest modification time under `path` (0 when it does not exist). */
function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** True when an entry of the UI build is missing or older than any source it is built from. */
export function uiBuildIsStale(): boolean {
  if (!BUILT.every((index) => existsSync(index))) return true;
  const built = Math.min(...BUILT.map((index) => statSync(index).mtimeMs));
  return Math.max(...SOURCES.map(newest)) > built;
}

/** Runs `ng build` (every entry); throws with the end of its output when it fails. */
export function buildUi(options: { quiet?: boolean } = {}): void {
  const args = [join(root, 'node_modules', '@angular', 'cli', 'bin', 'ng.js'), 'build', '--progress=false'];
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: options.quiet ? 'pipe' : 'inherit', encoding: 'utf8' });
  if (r.status !== 0) {
    const tail = options.quiet ? `:\n${`${r.stdout}${r.stderr}`.split('\n').slice(-30).join('\n')}` : '';
    throw new Error(`ng build failed with status ${r.status}${tail}`);
  }
}

/** Builds the UI if needed; throws when the build fails. */
export function ensureUi(options: { quiet?: boolean } = {}): void {
  if (!uiBuildIsStale()) return;
  if (!options.quiet) console.log('Building the UI (ng build)…');
  buildUi(options);
}

if (import.meta.url === `file://${process.argv[1]}`) ensureUi();
