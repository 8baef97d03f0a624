// Kernel settings of the whole host that networking changes (ip_forward for
// egress and published ports, bridge-nf-call-iptables for enable_icc=false).
// Each change is recorded with the value it replaced, once, so that
// `system doctor` can say what tscompose changed on this host and from what.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, writeJsonAtomic } from '../../../util/atomic-file.js';
import { execFile } from '../../../util/exec.js';
import { sysctl } from './commands.js';

export const HOST_SYSCTLS_FILE = 'host-sysctls.json';

export interface HostSysctlChange {
  previous: string;
  value: string;
  changed: string;
}

export type HostSysctlRecord = Record<string, HostSysctlChange>;

function procPath(key: string): string {
  return `/proc/sys/${key.replace(/\./g, '/')}`;
}

export function readSysctl(key: string): string | undefined {
  try {
    return readFileSync(procPath(key), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Sets a host-wide sysctl, recording the first value it replaced in `<dir>/host-sysctls.json`. */
export async function setHostSysctl(dir: string, key: string, value: string): Promise<void> {
  const current = readSysctl(key);
  if (current === value) return;
  if (current === undefined && key.startsWith('net.bridge.')) await execFile(['modprobe', 'br_netfilter']);
  await sysctl(key, value);
  const file = join(dir, HOST_SYSCTLS_FILE);
  const record = readJson<HostSysctlRecord>(file) ?? {};
  if (!record[key]) {
    record[key] = { previous: current ?? '(not loaded)', value, changed: new Date().toISOString() };
    writeJsonAtomic(file, record);
  }
}

export function recordedHostSysctls(networkDir: string): HostSysctlRecord {
  return readJson<HostSysctlRecord>(join(networkDir, HOST_SYSCTLS_FILE)) ?? {};
}
