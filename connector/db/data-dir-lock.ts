/**
 * One process per embedded data directory. PGlite is a single-user PostgreSQL: a second
 * process writing the same files (a second `npm start`, say) corrupts them. The lock is a
 * file holding the owner's process id, created exclusively; a lock whose process is gone
 * (kill -9, a crash) is taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const LOCK_FILE = 'teleconsult.lock';

/** Another live process has this data directory open. */
export class DataDirInUseError extends Error {
  readonly code = 'DATA_DIR_IN_USE';
  constructor(readonly dataDir: string, readonly pid: number) {
    super(`The data directory ${dataDir} is in use by process ${pid} (another "npm start"?). Stop it, or give this one its own DATA_DIR.`);
    this.name = 'DataDirInUseError';
  }
}

/** Whether a process of this id is running (one of another user counts). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ownerOf(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function tryCreate(path: string): boolean {
  try {
    const fd = openSync(path, 'wx', 0o600);
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Takes the directory's lock for this process, or throws {@link DataDirInUseError}. Returns
 * the release, which removes the lock only while it is still this process's.
 */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, LOCK_FILE);
  // Twice at most: once more after removing a dead process's lock (if two processes race for
  // it, one creates it and the other finds it alive).
  for (let attempt = 0; attempt < 2; attempt++) {
    if (tryCreate(path)) {
      return () => {
        if (ownerOf(path) !== process.pid) return;
        try { unlinkSync(path); } catch { /* already gone */ }
      };
    }
    const owner = ownerOf(path);
    if (owner !== null && owner !== process.pid && processAlive(owner)) throw new DataDirInUseError(dataDir, owner);
    try { unlinkSync(path); } catch { /* another process removed it first */ }
  }
  throw new DataDirInUseError(dataDir, ownerOf(path) ?? 0);
}
