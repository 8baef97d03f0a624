// A container's resource use read from its cgroups (v1 or v2) and, for the
// network, from its namespace's /proc/<pid>/net/dev: the counters `docker
// stats` is computed from (moby daemon/stats).
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { ContainerStatsSample } from '../../../engine/types.js';
import { cgroupsPathFor, detectCgroupVersion, readCgroupFile } from './cgroups.js';

/** A limit above this is "no limit" (v1 reports the largest page-aligned int64). */
const NO_LIMIT = 2 ** 60;

export function readContainerStats(id: string, pid: number): ContainerStatsSample {
  const path = cgroupsPathFor(id);
  const v2 = detectCgroupVersion() === 2;
  const num = (text: string | undefined) => (text === undefined || text === 'max' ? undefined : Number(text));
  let cpuNanos: number;
  let memoryUsage: number;
  let memoryLimit: number | undefined;
  let blockRead = 0;
  let blockWrite = 0;
  if (v2) {
    const cpuStat = keyValues(readCgroupFile(path, 'cpu', 'cpu.stat'));
    cpuNanos = (cpuStat.usage_usec ?? 0) * 1000;
    const memStat = keyValues(readCgroupFile(path, 'memory', 'memory.stat'));
    memoryUsage = Math.max(0, (num(readCgroupFile(path, 'memory', 'memory.current')) ?? 0) - (memStat.inactive_file ?? 0));
    memoryLimit = num(readCgroupFile(path, 'memory', 'memory.max'));
    for (const line of (readCgroupFile(path, 'io', 'io.stat') ?? '').split('\n')) {
      const kv = keyValues(line.split(' ').slice(1).join('\n').replaceAll('=', ' '));
      blockRead += kv.rbytes ?? 0;
      blockWrite += kv.wbytes ?? 0;
    }
  } else {
    cpuNanos = num(readCgroupFile(path, 'cpuacct', 'cpuacct.usage')) ?? 0;
    const memStat = keyValues(readCgroupFile(path, 'memory', 'memory.stat'));
    memoryUsage = Math.max(0, (num(readCgroupFile(path, 'memory', 'memory.usage_in_bytes')) ?? 0) - (memStat.total_inactive_file ?? 0));
    memoryLimit = num(readCgroupFile(path, 'memory', 'memory.limit_in_bytes'));
    for (const line of (readCgroupFile(path, 'blkio', 'blkio.throttle.io_service_bytes') ?? '').split('\n')) {
      const [, op, value] = line.trim().split(/\s+/);
      if (op === 'Read') blockRead += Number(value) || 0;
      if (op === 'Write') blockWrite += Number(value) || 0;
    }
  }
  const net = readNetDev(pid);
  return {
    read: Date.now(),
    cpuNanos,
    systemNanos: readSystemNanos(),
    onlineCpus: cpus().length || 1,
    memoryUsage,
    memoryLimit: memoryLimit === undefined || memoryLimit >= NO_LIMIT ? totalmem() : memoryLimit,
    pids: num(readCgroupFile(path, 'pids', 'pids.current')) ?? 0,
    netRx: net.rx,
    netTx: net.tx,
    blockRead,
    blockWrite,
  };
}

function keyValues(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && !Number.isNaN(Number(v))) out[k] = Number(v);
  }
  return out;
}

/** Host CPU time from /proc/stat's first line, as Docker's getSystemCPUUsage (USER_HZ ticks). */
function readSystemNanos(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1, 8).reduce((sum, v) => sum + Number(v), 0);
  return (ticks * 1e9) / 100;
}

/** Bytes received and sent on every interface but loopback of the container's network namespace. */
function readNetDev(pid: number): { rx: number; tx: number } {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/net/dev`, 'utf8');
  } catch {
    return { rx: 0, tx: 0 };
  }
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n').slice(2)) {
    const [name, rest] = line.split(':');
    if (!rest || name!.trim() === 'lo') continue;
    const fields = rest.trim().split(/\s+/).map(Number);
    rx += fields[0] ?? 0;
    tx += fields[8] ?? 0;
  }
  return { rx, tx };
}
