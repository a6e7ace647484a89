/**
 * Makes sure dist/ui/browser holds a build of the current UI sources: builds it (once per
 * run) when it is missing or older than a file under ui/src, meet/drivers or the live protocol.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..', '..');
const INDEX = join(root, 'dist', 'ui', 'browser', 'index.html');
const SOURCES = [join(root, 'ui', 'src'), join(root, 'meet', 'drivers'), join(root, 'protocol'), join(root, 'angular.json')];

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

let built: Promise<void> | null = null;

/** Builds the UI if it is missing or stale; later calls in the same run reuse the result. */
export function ensureUiBuilt(): Promise<void> {
  built ??= (async () => {
    if (existsSync(INDEX) && statSync(INDEX).mtimeMs >= Math.max(...SOURCES.map(newest))) return;
    const result = spawnSync(process.execPath, [join(root, 'node_modules/@angular/cli/bin/ng.js'), 'build'], { cwd: root, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`ng build failed:\n${(result.stdout + result.stderr).split('\n').slice(-30).join('\n')}`);
  })();
  return built;
}
