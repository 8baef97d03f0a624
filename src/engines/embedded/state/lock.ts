// Inter-process locks on the state root: a lock file created with link(2)
// (atomic, fails when it exists) that records who holds it. A lock whose
// holder is dead (pid gone, or pid reused: start time differs) is taken over.
//
// Why not flock(2): Node 20 has no flock, and the npm packages that add it
// (fs-ext, os-lock, fd-lock) are native addons to build on every machine.
// Why not proper-lockfile: it judges staleness by mtime, so it needs a
// heartbeat and can steal the lock of a live but slow holder, and it records
// no holder to tell the user about.
import { closeSync, fstatSync, openSync, readdirSync, readSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { TscError } from '../../../util/errors.js';
import { isAlive, selfRef, type ProcessRef } from './process-ref.js';
import { createWhole, removeIfStill, sweepRemoveMarkers, type RemoveOutcome } from './remove-if.js';
import type { StateRoot } from './root.js';

export interface LockHolder extends ProcessRef {
  /** What the holder is doing: a command ("up") or an operation ("image store"). */
  command: string;
  /** The project, for project locks. */
  project?: string;
  /** ISO 8601. */
  startedAt: string;
  hostname: string;
  token: string;
}

export interface LockOptions {
  /** Give up after this long (default: 5 minutes for projects, 60 s for the global lock). */
  timeoutMs?: number;
  pollMs?: number;
  /** Told when this command starts waiting, and again when the holder changes. */
  onWait?: (message: string, holder: LockHolder) => void;
  signal?: AbortSignal;
}

export interface Lock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Removes the lock file if it is still ours; safe to call twice. */
  release(): Promise<void>;
}

const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

export async function acquireProjectLock(root: StateRoot, project: string, command: string, opts: LockOptions = {}): Promise<Lock> {
  if (!PROJECT_NAME.test(project)) {
    throw new TscError('INVALID_PROJECT_NAME', `invalid project name "${project}": it must contain only lowercase letters, digits, dashes and underscores, and start with a letter or digit`);
  }
  return acquireLock(root.lockFile(`project-${project}`), { command, project }, { timeoutMs: 5 * 60_000, ...opts });
}

/** A short lock for operations on the whole state root (image store writes, IP allocation). */
export function acquireGlobalLock(root: StateRoot, operation: string, opts: LockOptions = {}): Promise<Lock> {
  return acquireLock(root.lockFile('global'), { command: operation }, { timeoutMs: 60_000, ...opts });
}

export async function withGlobalLock<T>(root: StateRoot, operation: string, fn: () => Promise<T> | T, opts: LockOptions = {}): Promise<T> {
  const lock = await acquireGlobalLock(root, operation, opts);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

/** `waiting for "up" (pid 1234) to finish on project "demo"` */
export function describeWait(holder: LockHolder): string {
  const on = holder.project ? `project "${holder.project}"` : 'the state root';
  return `waiting for "${holder.command}" (pid ${holder.pid}${holder.hostname !== hostname() ? ` on ${holder.hostname}` : ''}) to finish on ${on}`;
}

export async function acquireLock(path: string, what: { command: string; project?: string }, opts: LockOptions = {}): Promise<Lock> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const pollMs = opts.pollMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  const me: LockHolder = { ...selfRef(), command: what.command, project: what.project, startedAt: new Date().toISOString(), hostname: hostname(), token: randomBytes(8).toString('hex') };
  let toldAbout: string | undefined;
  for (;;) {
    opts.signal?.throwIfAborted();
    if (tryCreate(path, me)) return held(path, me);
    const current = readLock(path);
    if (!current) continue; // released between our attempt and the read
    if (!current.holder || !isAlive(current.holder)) {
      const judged = current.holder || Date.now() - current.mtimeMs > 5_000;
      // Lock files appear whole (link): an unreadable one is damaged, but give it a moment.
      if (judged && removeStale(path, current) !== 'busy') continue;
      // Bounded too: a takeover that another live process never finishes must not be waited for forever.
      if (Date.now() >= deadline) {
        throw new TscError('LOCK_TIMEOUT', `${path} is held by ${current.holder ? `pid ${current.holder.pid}, which is gone` : 'nobody (the lock file is unreadable)'}, and it could not be taken over within ${Math.round(timeoutMs / 1000)}s: run \`tscompose system doctor --repair\``);
      }
      await sleep(Math.min(pollMs, 20));
      continue;
    }
    if (current.holder.token !== toldAbout) {
      toldAbout = current.holder.token;
      opts.onWait?.(describeWait(current.holder), current.holder);
    }
    if (Date.now() >= deadline) {
      const h = current.holder;
      const what = h.project ? `project "${h.project}"` : 'the state root';
      throw new TscError('LOCK_TIMEOUT', `${what} is busy: "${h.command}" (pid ${h.pid}) has held it since ${h.startedAt}; gave up after ${Math.round(timeoutMs / 1000)}s. Wait for it to finish, or stop it (kill ${h.pid}) and try again`);
    }
    await pause(path, Math.min(pollMs, Math.max(1, deadline - Date.now())), opts.signal);
  }
}

/**
 * Waiters of this process per lock path, oldest first. A release in this
 * process wakes the oldest at once: concurrent operations of one command
 * (ten containers joining a network) take turns without waiting out a poll.
 */
const localWaiters = new Map<string, Set<() => void>>();
const WOKEN = Symbol('woken');

async function pause(path: string, ms: number, signal?: AbortSignal): Promise<void> {
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(signal!.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const wake = () => ctl.abort(WOKEN);
  const waiters = localWaiters.get(path) ?? new Set();
  localWaiters.set(path, waiters.add(wake));
  try {
    await sleep(ms, undefined, { signal: ctl.signal });
  } catch (error) {
    if (ctl.signal.reason !== WOKEN) throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    waiters.delete(wake);
    if (waiters.size === 0 && localWaiters.get(path) === waiters) localWaiters.delete(path);
  }
}

function wakeOldestWaiter(path: string): void {
  const waiters = localWaiters.get(path);
  const oldest = waiters?.values().next().value;
  if (!oldest) return;
  waiters!.delete(oldest);
  oldest();
}

/** The current holder of the lock at `path`, if any (undefined holder: an unreadable lock file). */
export function readLockHolder(path: string): LockHolder | undefined {
  return readLock(path)?.holder;
}

function tryCreate(path: string, me: LockHolder): boolean {
  return createWhole(path, JSON.stringify(me) + '\n');
}

interface LockFile {
  holder: LockHolder | undefined;
  ino: number;
  mtimeMs: number;
}

function readLock(path: string): LockFile | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const st = fstatSync(fd);
    const buf = Buffer.alloc(Math.min(st.size, 64 * 1024));
    const n = readSync(fd, buf, 0, buf.length, 0);
    let holder: LockHolder | undefined;
    try {
      const parsed = JSON.parse(buf.subarray(0, n).toString('utf8')) as LockHolder;
      if (Number.isInteger(parsed.pid) && typeof parsed.command === 'string') holder = parsed;
    } catch { /* unreadable: judged by age */ }
    return { holder, ino: st.ino, mtimeMs: st.mtimeMs };
  } finally {
    closeSync(fd);
  }
}

/** The judged lock file's identity: its holder's token, or (unreadable) its inode and time. */
function lockKey(f: LockFile): string {
  return f.holder?.token && /^[0-9a-f]{1,64}$/.test(f.holder.token) ? f.holder.token : `i${f.ino}-${Math.trunc(f.mtimeMs)}`;
}

/** Removes a dead holder's lock, and only that one, however many waiters judge it at once (state/remove-if.ts). */
function removeStale(path: string, stale: LockFile): RemoveOutcome {
  const key = lockKey(stale);
  return removeIfStill(path, key, () => {
    const now = readLock(path);
    return now !== undefined && now.ino === stale.ino && lockKey(now) === key;
  });
}

/** Lock files and takeover markers that belong to nobody alive: removed (repair, under the global lock). */
export function sweepDeadLocks(dir: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.endsWith('.lock') || name.startsWith('.')) continue;
    const path = join(dir, name);
    const current = readLock(path);
    if (!current || (current.holder && isAlive(current.holder))) continue;
    if (!current.holder && Date.now() - current.mtimeMs <= 5_000) continue;
    if (removeStale(path, current) === 'removed') removed.push(path);
  }
  removed.push(...sweepRemoveMarkers(dir, (file, key) => {
    const now = readLock(file);
    return now !== undefined && lockKey(now) === key;
  }));
  return removed;
}

const heldLocks = new Map<string, LockHolder>();
let exitHookInstalled = false;

function held(path: string, me: LockHolder): Lock {
  heldLocks.set(path + '\0' + me.token, me);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A command that exits without releasing (process.exit, Ctrl-C) leaves no lock behind.
    process.on('exit', () => {
      for (const key of heldLocks.keys()) unlinkIfOurs(key.split('\0')[0]!, heldLocks.get(key)!.token);
    });
  }
  let released = false;
  return {
    path,
    holder: me,
    release: async () => {
      if (released) return;
      released = true;
      heldLocks.delete(path + '\0' + me.token);
      unlinkIfOurs(path, me.token);
      wakeOldestWaiter(path);
    },
  };
}

function unlinkIfOurs(path: string, token: string): void {
  const current = readLock(path);
  if (current?.holder?.token !== token) return;
  // Ours, and we are alive: nobody else removes or replaces it between the read and the unlink.
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
