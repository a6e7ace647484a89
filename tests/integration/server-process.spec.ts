/**
 * `npm start` as a process, on the embedded defaults: a second start on the same data
 * directory, a start whose port is taken, and a kill -9. The embedded database is one
 * process's: none of these may leave it unusable.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

interface Started {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts the service as `npm start` does (without building the pages). */
function start(dataDir: string, port: number): Started {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: `http://localhost:${port}`, LOG_LEVEL: 'warn' };
  // The embedded defaults, whatever this test run uses.
  delete env['DATABASE_URL'];
  delete env['REDIS_URL'];
  const child = spawn(process.execPath, ['--import', 'tsx', 'connector/server.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, port, output: () => output, exited };
}

async function ready(s: Started): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (s.child.exitCode !== null) throw new Error(`exited ${s.child.exitCode}: ${s.output().slice(-2000)}`);
    try {
      const res = await fetch(`http://127.0.0.1:${s.port}/readyz`);
      if (res.status === 200) return;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`not ready: ${s.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function exitCodeOf(s: Started): Promise<number | null> {
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 90_000);
  try { return await s.exited; } finally { clearTimeout(timer); }
}

async function book(port: number, firstName: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/demo/appointments`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: `http://localhost:${port}` },
    body: new URLSearchParams({ firstName, lastName: 'Processus', teleconsultation: 'on' }).toString(),
  });
  expect(res.status).toBe(303);
}

/** The demo agenda's page, which lists the booked appointments by patient name. */
async function demoPage(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/demo`);
  expect(res.status).toBe(200);
  return res.text();
}

describe('npm start as a process (embedded database)', () => {
  const dirs: string[] = [];
  const running: Started[] = [];
  const dir = () => { const d = mkdtempSync(join(tmpdir(), 'tc-start-')); dirs.push(d); return d; };
  const run = (d: string, port: number) => { const s = start(d, port); running.push(s); return s; };
  afterAll(async () => {
    for (const s of running) if (s.child.exitCode === null && s.child.signalCode === null) { s.child.kill('SIGKILL'); await s.exited; }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('refuses a second start on the same data directory, and one whose port is taken, leaving both databases usable', async () => {
    const shared = dir();
    const first = run(shared, await freePort());
    await ready(first);
    await book(first.port, 'Avant');

    const second = run(shared, await freePort());
    expect(await exitCodeOf(second)).toBe(75);
    expect(second.output()).toContain(`in use by process ${first.child.pid}`);
    expect(await demoPage(first.port)).toContain('Avant Processus');

    const own = dir();
    const taken = run(own, first.port);
    expect(await exitCodeOf(taken)).toBe(1);
    expect(taken.output()).toContain(`Port ${first.port} on 127.0.0.1 is already in use`);
    // It closed its database on the way out: the lock is gone and the directory opens again.
    expect(existsSync(join(own, 'teleconsult.lock'))).toBeFalse();
    const again = run(own, await freePort());
    await ready(again);
    again.child.kill('SIGTERM');
    expect(await exitCodeOf(again)).toBe(0);
    expect(existsSync(join(own, 'teleconsult.lock'))).toBeFalse();

    // kill -9: the lock stays behind with a dead process's id, and the next start takes it over.
    first.child.kill('SIGKILL');
    await first.exited;
    expect(existsSync(join(shared, 'teleconsult.lock'))).toBeTrue();
    const after = run(shared, await freePort());
    await ready(after);
    expect(await demoPage(after.port)).toContain('Avant Processus');
    await book(after.port, 'Après');
    const page = await demoPage(after.port);
    expect(page).toContain('Avant Processus');
    expect(page).toContain('Après Processus');
  }, 300_000);
});
