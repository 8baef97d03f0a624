// A process named by pid and kernel start time, so that a recycled pid is not
// mistaken for the process that wrote a lock or a half-made record.
import { readFileSync } from 'node:fs';

export interface ProcessRef {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot); absent where /proc is not readable. */
  startTicks?: number;
  /** /proc/sys/kernel/random/boot_id: after a reboot every recorded process is gone. */
  bootId?: string;
}

let cachedBootId: string | undefined | null = null;

export function currentBootId(): string | undefined {
  if (cachedBootId === null) {
    try {
      cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
    } catch {
      cachedBootId = undefined;
    }
  }
  return cachedBootId;
}

/** The start time of `pid` from /proc, or undefined when it is gone or unreadable. */
export function readStartTicks(pid: number): number | undefined {
  const stat = readStat(pid);
  return stat === undefined ? undefined : parseStartTicks(stat);
}

/** /proc/<pid>/stat: the command (field 2) is in parentheses and may hold spaces or ')'. */
export function parseStartTicks(stat: string): number | undefined {
  return statField(stat, 22);
}

/** CPU time `pid` has used so far (user + system, clock ticks), or undefined when it is gone or unreadable. */
export function readCpuTicks(pid: number): number | undefined {
  const stat = readStat(pid);
  const utime = stat === undefined ? undefined : statField(stat, 14);
  const stime = stat === undefined ? undefined : statField(stat, 15);
  return utime === undefined || stime === undefined ? undefined : utime + stime;
}

function readStat(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
}

/** Numeric field `n` (1-based, as proc(5) numbers them) of a /proc/<pid>/stat line; n > 2. */
function statField(stat: string, n: number): number | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  // Fields after the command start at field 3.
  const value = Number(stat.slice(close + 2).split(' ')[n - 3]);
  return Number.isFinite(value) ? value : undefined;
}

export function selfRef(): ProcessRef {
  return { pid: process.pid, startTicks: readStartTicks(process.pid), bootId: currentBootId() };
}

/** True while the process that `ref` names is alive (a zombie counts as dead). */
export function isAlive(ref: ProcessRef): boolean {
  if (!Number.isInteger(ref.pid) || ref.pid <= 0) return false;
  const boot = currentBootId();
  if (ref.bootId && boot && ref.bootId !== boot) return false;
  try {
    process.kill(ref.pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${ref.pid}/stat`, 'utf8');
  } catch {
    return true;
  }
  const close = stat.lastIndexOf(')');
  if (stat[close + 2] === 'Z' || stat[close + 2] === 'X') return false;
  if (ref.startTicks === undefined) return true;
  return parseStartTicks(stat) === ref.startTicks;
}
