/**
 * Builds the Angular UI when its build is missing or older than its sources, so that
 * `npm start` serves the current pages without a separate step.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const built = join(root, 'dist', 'ui', 'browser', 'index.html');

function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

/** True when the UI build is missing or older than any source it is built from. */
export function uiBuildIsStale(): boolean {
  if (!existsSync(built)) return true;
  const sources = Math.max(newest(join(root, 'ui')), newest(join(root, 'meet', 'drivers')), newest(join(root, 'protocol')), statSync(join(root, 'angular.json')).mtimeMs);
  return sources > statSync(built).mtimeMs;
}

/** Builds the UI if needed; throws when the build fails. */
export function ensureUi(): void {
  if (!uiBuildIsStale()) return;
  console.log('Building the UI (ng build)…');
  const r = spawnSync(process.execPath, [join(root, 'node_modules', '@angular', 'cli', 'bin', 'ng.js'), 'build', '--progress=false'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`ng build failed with status ${r.status}`);
}

if (import.meta.url === `file://${process.argv[1]}`) ensureUi();
