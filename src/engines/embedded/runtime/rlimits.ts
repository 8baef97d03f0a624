// Resource limits of the container's process: Docker's default open-files
// limit and the service's ulimits, kept within what the host allows.
import { readFileSync } from 'node:fs';
import type { OciRlimit } from './oci-types.js';

export type HostRlimits = Record<string, { soft: number; hard: number }>;

/** Docker (since 25) gives containers 1048576 open files, within the daemon's hard limit. */
export const DEFAULT_NOFILE = 1048576;

const PROC_LIMIT_NAMES: Record<string, string> = {
  'Max cpu time': 'RLIMIT_CPU', 'Max file size': 'RLIMIT_FSIZE', 'Max data size': 'RLIMIT_DATA',
  'Max stack size': 'RLIMIT_STACK', 'Max core file size': 'RLIMIT_CORE', 'Max resident set': 'RLIMIT_RSS',
  'Max processes': 'RLIMIT_NPROC', 'Max open files': 'RLIMIT_NOFILE', 'Max locked memory': 'RLIMIT_MEMLOCK',
  'Max address space': 'RLIMIT_AS', 'Max file locks': 'RLIMIT_LOCKS', 'Max pending signals': 'RLIMIT_SIGPENDING',
  'Max msgqueue size': 'RLIMIT_MSGQUEUE', 'Max nice priority': 'RLIMIT_NICE', 'Max realtime priority': 'RLIMIT_RTPRIO',
  'Max realtime timeout': 'RLIMIT_RTTIME',
};

/** /proc/self/limits text → limits by RLIMIT name; `unlimited` is Infinity. */
export function parseProcLimits(text: string): HostRlimits {
  const out: HostRlimits = {};
  for (const line of text.split('\n')) {
    const m = /^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    const name = m && PROC_LIMIT_NAMES[m[1]!];
    if (!m || !name) continue;
    const num = (s: string) => (s === 'unlimited' ? Infinity : Number(s));
    out[name] = { soft: num(m[2]!), hard: num(m[3]!) };
  }
  return out;
}

export function readHostRlimits(): HostRlimits {
  return parseProcLimits(readFileSync('/proc/self/limits', 'utf8'));
}

/** Compose's `nofile` → `RLIMIT_NOFILE`. */
export function rlimitName(name: string): string {
  const upper = name.toUpperCase();
  return upper.startsWith('RLIMIT_') ? upper : `RLIMIT_${upper}`;
}

/**
 * NOFILE defaults to Docker's value; every limit is clamped to the host's hard
 * limit (a negative value means "as high as the host allows"). A limit the
 * host has unlimited and the user asks unlimited is left out: inherited.
 */
export function buildRlimits(ulimits: Record<string, { soft: number; hard: number }> | undefined, host: HostRlimits): OciRlimit[] {
  const wanted = new Map<string, { soft: number; hard: number }>();
  wanted.set('RLIMIT_NOFILE', { soft: DEFAULT_NOFILE, hard: DEFAULT_NOFILE });
  for (const [name, limit] of Object.entries(ulimits ?? {})) wanted.set(rlimitName(name), limit);
  const out: OciRlimit[] = [];
  for (const [type, limit] of wanted) {
    const cap = host[type]?.hard ?? Infinity;
    const clamp = (v: number) => (v < 0 ? cap : Math.min(v, cap));
    const hard = clamp(limit.hard);
    const soft = Math.min(clamp(limit.soft), hard);
    if (!Number.isFinite(hard)) continue;
    out.push({ type, hard, soft });
  }
  return out;
}
