import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirInUseError, lockDataDir } from './data-dir-lock.ts';

/** A process that lives until killed, and its pid. */
function sleeper(): { pid: number; stop: () => Promise<void> } {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  return { pid: child.pid!, stop: () => new Promise((resolve) => { child.once('exit', () => resolve()); child.kill('SIGKILL'); }) };
}

describe('the data directory lock (one process per embedded database)', () => {
  let dir: string;
  const lockFile = () => join(dir, 'teleconsult.lock');
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'tc-lock-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the pid of its process, and release removes it', () => {
    const release = lockDataDir(dir);
    expect(readFileSync(lockFile(), 'utf8').trim()).toBe(String(process.pid));
    release();
    expect(existsSync(lockFile())).toBeFalse();
  });

  it('refuses a directory that a live process holds, naming that process, and leaves its lock', async () => {
    const other = sleeper();
    try {
      writeFileSync(lockFile(), `${other.pid}\n`);
      let error: unknown;
      try { lockDataDir(dir); } catch (err) { error = err; }
      expect(error).toBeInstanceOf(DataDirInUseError);
      expect((error as DataDirInUseError).code).toBe('DATA_DIR_IN_USE');
      expect((error as Error).message).toContain(`process ${other.pid}`);
      expect(readFileSync(lockFile(), 'utf8').trim()).toBe(String(other.pid));
    } finally {
      await other.stop();
    }
  });

  it('takes over the lock of a process that is gone (kill -9), and an empty one', async () => {
    const gone = sleeper();
    await gone.stop();
    writeFileSync(lockFile(), `${gone.pid}\n`);
    const release = lockDataDir(dir);
    expect(readFileSync(lockFile(), 'utf8').trim()).toBe(String(process.pid));
    release();
    writeFileSync(lockFile(), '');
    lockDataDir(dir)();
    expect(existsSync(lockFile())).toBeFalse();
  });

  it("does not remove a lock that is no longer its own", () => {
    const release = lockDataDir(dir);
    writeFileSync(lockFile(), '1\n');
    release();
    expect(readFileSync(lockFile(), 'utf8').trim()).toBe('1');
  });
});
