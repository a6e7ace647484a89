/**
 * `npm test`: every test of the project, then one closing line `N passed, N failed`.
 *
 *   1. Node specs (Jasmine): config/, connector/, meet/, protocol/ and tests/ `*.spec.ts`, including the
 *      browser tests that drive Debian's Chromium with playwright-core.
 *   2. UI specs (Karma + Jasmine in Chromium), when the Angular workspace is present.
 *
 * Arguments filter the Node spec files by substring (`npm test -- webhooks`).
 * Node specs run in random order; the seed is printed, and `--seed=N` replays that order
 * (`npm test -- --seed=1234 webhooks`).
 * Chromium is required: without it the run stops with a message rather than skip tests.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import Jasmine from 'jasmine';
import { chromiumPath } from './support/chromium.ts';
import { dropLeftovers, dropTemplates } from './support/database.ts';

const root = join(import.meta.dirname, '..');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const skipUi = process.argv.includes('--no-ui') || filters.length > 0;
const seedArg = process.argv.find((a) => a.startsWith('--seed='))?.slice('--seed='.length);
const seed = seedArg === undefined ? Math.floor(Math.random() * 100_000) : Number(seedArg);
if (!Number.isSafeInteger(seed)) {
  console.error(`--seed takes a whole number (got "${seedArg}").`);
  process.exit(1);
}

function specFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...specFiles(path));
    else if (name.endsWith('.spec.ts')) out.push(relative(root, path));
  }
  return out;
}

interface Totals { passed: number; failed: number }

async function runNodeSpecs(): Promise<Totals> {
  const files = ['config', 'connector', 'meet', 'protocol', 'tests']
    .flatMap((d) => specFiles(join(root, d)))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
  const jasmine = new Jasmine({ projectBaseDir: root });
  jasmine.exitOnCompletion = false;
  jasmine.loadConfig({ spec_dir: '.', spec_files: files, stopSpecOnExpectationFailure: false });
  // Each spec sets up what it needs (its own teleconsultation, clock…): any order must pass.
  jasmine.randomizeTests(true);
  jasmine.seed(seed);
  console.log(`node specs: random order, seed ${seed} (replay: npm test -- --seed=${seed}${filters.map((f) => ` ${f}`).join('')})`);
  (jasmine as unknown as { jasmine: { DEFAULT_TIMEOUT_INTERVAL: number } }).jasmine.DEFAULT_TIMEOUT_INTERVAL = 120_000;
  const totals: Totals = { passed: 0, failed: 0 };
  jasmine.clearReporters();
  jasmine.addReporter({
    specStarted(result) { if (process.env.TRACE_SPECS) appendFileSync(process.env.TRACE_SPECS, `${new Date().toISOString()} start ${result.fullName}\n`); },
    specDone(result) {
      if (result.status === 'passed') totals.passed++;
      else if (result.status === 'failed') {
        totals.failed++;
        console.log(`✗ ${result.fullName}`);
        for (const f of result.failedExpectations) console.log(`    ${f.message}\n${(f.stack ?? '').split('\n').slice(1, 4).join('\n')}`);
      }
    },
    suiteDone(result) {
      // An error in beforeAll/afterAll fails the suite without failing a spec: count it.
      if (result.failedExpectations.length > 0) {
        totals.failed++;
        console.log(`✗ ${result.fullName} (suite)`);
        for (const f of result.failedExpectations) console.log(`    ${f.message}`);
      }
    },
    jasmineDone(result) {
      if (result.incompleteReason && result.overallStatus === 'incomplete') console.log(`node specs incomplete: ${result.incompleteReason}`);
    },
  });
  const started = Date.now();
  await jasmine.execute();
  // A suite that left its app and database open fails the run (they are closed here, apps first).
  const leftovers = await dropLeftovers();
  if (leftovers.length > 0) {
    totals.failed++;
    console.log(`✗ test databases left open by their suites (now closed): ${leftovers.join(', ')}`);
  }
  await dropTemplates().catch((err: unknown) => console.log(`could not drop test databases: ${String(err)}`));
  console.log(`node specs: ${totals.passed} passed, ${totals.failed} failed (${files.length} files, ${((Date.now() - started) / 1000).toFixed(1)} s, seed ${seed})`);
  return totals;
}

/** Type-checks the Node side (the UI build checks its own types). */
async function runTypecheck(): Promise<Totals> {
  if (filters.length > 0) return { passed: 0, failed: 0 };
  const result = await new Promise<{ code: number; text: string }>((resolve) => {
    const child = spawn(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (b: Buffer) => { text += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { text += b.toString(); });
    child.on('close', (code) => resolve({ code: code ?? 1, text }));
  });
  if (result.code !== 0) console.log(`✗ typecheck\n${result.text.split('\n').slice(0, 40).join('\n')}`);
  console.log(`typecheck: ${result.code === 0 ? 'passed' : 'failed'}`);
  return result.code === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 };
}

/** Runs the Angular specs in Karma and reads its summary line. */
async function runUiSpecs(): Promise<Totals> {
  if (skipUi || !existsSync(join(root, 'angular.json')) || !existsSync(join(root, 'ui', 'karma.conf.cjs'))) return { passed: 0, failed: 0 };
  const output = await new Promise<{ code: number; text: string }>((resolve) => {
    const child = spawn(process.execPath, [join(root, 'node_modules/@angular/cli/bin/ng.js'), 'test', '--watch=false', '--progress=false'], {
      cwd: root,
      env: { ...process.env, CHROME_BIN: chromiumPath() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    const keep = (b: Buffer) => { text += b.toString(); };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('close', (code) => resolve({ code: code ?? 1, text }));
  });
  const executed = [...output.text.matchAll(/Executed (\d+) of (\d+)(?: \((\d+) FAILED\))?/g)].at(-1);
  if (!executed) {
    console.log(output.text.split('\n').slice(-40).join('\n'));
    console.log('ui specs: Karma printed no summary');
    return { passed: 0, failed: 1 };
  }
  const failed = Number(executed[3] ?? 0);
  const passed = Number(executed[1]) - failed;
  if (failed > 0 || output.code !== 0) console.log(output.text.split('\n').filter((l) => /FAILED|Error/.test(l)).slice(0, 40).join('\n'));
  console.log(`ui specs: ${passed} passed, ${failed} failed`);
  return { passed, failed: failed + (output.code !== 0 && failed === 0 ? 1 : 0) };
}

const chromium = chromiumPath();
if (!existsSync(chromium)) {
  console.error(`Chromium is required for the browser and UI tests: install it with "apt-get install -y chromium" (looked for ${chromium}).`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const types = await runTypecheck();
const node = await runNodeSpecs();
const ui = await runUiSpecs();
const passed = types.passed + node.passed + ui.passed;
const failed = types.failed + node.failed + ui.failed;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
