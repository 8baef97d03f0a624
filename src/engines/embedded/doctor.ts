// `tscompose system doctor`: can this machine run the embedded engine? Each
// check says what it found and, when it fails, the command that fixes it.
import { existsSync, mkdtempSync, openSync, readFileSync, readSync, closeSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile, ProcessError } from '../../util/exec.js';
import { findInPath } from '../../util/find-in-path.js';
import { checkAppArmor, checkHostSysctlsOf, checkSeccomp } from './doctor-security.js';
import { checkContainerMonitors } from './doctor-monitors.js';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** The command that fixes a failed check. */
  fix?: string;
  /** Optional checks do not make the machine unfit (tini, busybox). */
  optional?: boolean;
}

export interface DoctorReport {
  /** Every required check passed. */
  ok: boolean;
  checks: DoctorCheck[];
}

/** `root`: the state root whose changes to the host are reported. */
export async function runDoctor(opts: { root?: string } = {}): Promise<DoctorReport> {
  const checks = [
    checkRoot(),
    checkKernel(release()),
    await checkOverlay(),
    checkNamespaces(),
    checkCgroups(read('/proc/self/mountinfo') ?? '', (path) => read(path)),
    await checkRuntime(),
    await checkTool('conmon', ['--version'], 'apt-get install conmon'),
    await checkFirewall(),
    await checkTool('ip', ['-V'], 'apt-get install iproute2'),
    checkSeccomp(),
    checkAppArmor(),
    ...(opts.root ? [checkHostSysctlsOf(opts.root)] : []),
    ...(opts.root ? [checkContainerMonitors(opts.root)] : []),
    checkBusybox(),
    { ...(await checkTool('tini', ['--version'], 'apt-get install tini')), optional: true, name: 'tini (init: true)' },
  ];
  return { ok: checks.every((c) => c.ok || c.optional), checks };
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function checkRoot(): DoctorCheck {
  const uid = process.getuid?.() ?? -1;
  return uid === 0
    ? { name: 'root', ok: true, detail: 'running as root' }
    : { name: 'root', ok: false, detail: `running as uid ${uid}; the embedded engine needs root`, fix: 'sudo tscompose ... (or use --engine docker)' };
}

export function parseKernelVersion(text: string): [number, number, number] | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

export function checkKernel(version: string): DoctorCheck {
  const v = parseKernelVersion(version);
  // 4.18: overlayfs as runc and Podman need it; 5.x for cgroup v2 delegation.
  const ok = !!v && (v[0] > 4 || (v[0] === 4 && v[1] >= 18));
  return { name: 'kernel', ok, detail: version, ...(ok ? {} : { fix: 'a Linux kernel 4.18 or newer is needed' }) };
}

async function checkOverlay(): Promise<DoctorCheck> {
  const name = 'overlayfs';
  if (!/\toverlay$/m.test(read('/proc/filesystems') ?? '')) {
    return { name, ok: false, detail: 'overlay is not in /proc/filesystems', fix: 'modprobe overlay' };
  }
  if (process.getuid?.() !== 0) return { name, ok: false, detail: 'overlay is known to the kernel; mount not tried (needs root)', fix: 'run as root' };
  const dir = mkdtempSync(join(tmpdir(), 'tsc-doctor-'));
  const merged = join(dir, 'merged');
  for (const d of ['lower', 'upper', 'work', 'merged']) mkdirSync(join(dir, d));
  writeFileSync(join(dir, 'lower', 'file'), 'lower');
  let mounted = false;
  try {
    await execFile(['mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${join(dir, 'lower')},upperdir=${join(dir, 'upper')},workdir=${join(dir, 'work')}`, merged], { timeout: 10_000 });
    mounted = true;
    writeFileSync(join(merged, 'file'), 'upper');
    const ok = readFileSync(join(dir, 'upper', 'file'), 'utf8') === 'upper' && readFileSync(join(dir, 'lower', 'file'), 'utf8') === 'lower';
    return { name, ok, detail: ok ? 'an overlay mount works' : 'an overlay mount did not copy up a change' };
  } catch (error) {
    return { name, ok: false, detail: `an overlay mount failed: ${firstLine(error)}`, fix: 'the state root must be on a filesystem overlayfs accepts as upper (ext4, xfs; not overlay or nfs)' };
  } finally {
    if (mounted) await execFile(['umount', merged]).catch(() => execFile(['umount', '-l', merged]).catch(() => undefined));
    rmSync(dir, { recursive: true, force: true });
  }
}

function checkNamespaces(): DoctorCheck {
  const wanted = ['mnt', 'pid', 'net', 'uts', 'ipc', 'cgroup', 'user'];
  const missing = wanted.filter((ns) => !existsSync(`/proc/self/ns/${ns}`));
  return missing.length === 0
    ? { name: 'namespaces', ok: true, detail: wanted.join(' ') }
    : { name: 'namespaces', ok: missing.every((ns) => ns === 'user' || ns === 'cgroup'), detail: `missing: ${missing.join(' ')}`, fix: 'a kernel built with CONFIG_NAMESPACES and the missing namespaces' };
}

export interface CgroupInfo {
  version: 'v1' | 'v2' | 'hybrid' | 'none';
  v1Controllers: string[];
  v2Controllers: string[];
  v2Mount?: string;
}

/** Cgroup hierarchies from /proc/self/mountinfo; v2 controllers read from `<mount>/cgroup.controllers`. */
export function parseCgroups(mountinfo: string, readFile: (path: string) => string | undefined): CgroupInfo {
  const v1 = new Set<string>();
  let v2Mount: string | undefined;
  let rootIsV2 = false;
  for (const line of mountinfo.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post) continue;
    const mountPoint = pre.split(' ')[4];
    const [fstype, , superOpts = ''] = post.split(' ');
    if (fstype === 'cgroup2' && mountPoint) {
      v2Mount ??= mountPoint;
      if (mountPoint === '/sys/fs/cgroup') { v2Mount = mountPoint; rootIsV2 = true; }
    } else if (fstype === 'cgroup') {
      for (const opt of superOpts.split(',')) if (['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'blkio', 'devices', 'freezer', 'hugetlb', 'net_cls', 'net_prio', 'perf_event', 'rdma', 'misc'].includes(opt)) v1.add(opt);
    }
  }
  const v2Controllers = v2Mount ? (readFile(join(v2Mount, 'cgroup.controllers')) ?? '').trim().split(/\s+/).filter(Boolean) : [];
  const version = rootIsV2 ? 'v2' : v1.size > 0 ? (v2Mount ? 'hybrid' : 'v1') : v2Mount ? 'v2' : 'none';
  return { version, v1Controllers: [...v1].sort(), v2Controllers, ...(v2Mount ? { v2Mount } : {}) };
}

export function checkCgroups(mountinfo: string, readFile: (path: string) => string | undefined): DoctorCheck {
  const info = parseCgroups(mountinfo, readFile);
  const available = new Set(info.version === 'v2' ? info.v2Controllers : info.v1Controllers);
  const missing = ['cpu', 'memory', 'pids'].filter((c) => !available.has(c));
  const list = info.version === 'v2' ? info.v2Controllers : info.v1Controllers;
  const detail = info.version === 'none' ? 'no cgroup filesystem is mounted' : `${info.version}${info.version === 'hybrid' ? ` (v1 controllers; v2 at ${info.v2Mount})` : ''}: ${list.join(' ') || 'no controllers'}${missing.length ? `; missing ${missing.join(' ')}` : ''}`;
  return { name: 'cgroups', ok: info.version !== 'none' && missing.length === 0, detail, ...(missing.length || info.version === 'none' ? { fix: 'mount the cgroup controllers (systemd does), or boot with cgroup_enable=memory swapaccount=1 for memory' } : {}) };
}

/** The version a tool prints: `runc version 1.1.5+ds1`, `crun version 1.8.1`, `conmon version 2.1.6`, `iptables v1.8.9 (nf_tables)`, `ip utility, iproute2-6.1.0`, `tini version 0.19.0 - git.de40ad0`. */
export function parseToolVersion(output: string): string | undefined {
  const first = output.trim().split('\n')[0] ?? '';
  const m = /iproute2-([\w.+~-]+)/.exec(first) ?? /\bversion\s+v?([\w.+~-]+)/i.exec(first) ?? /\bv(\d[\w.+~-]*)/.exec(first);
  return m?.[1];
}

/** `iptables v1.8.9 (nf_tables)` → nf_tables; `(legacy)` → legacy. */
export function parseIptablesBackend(output: string): 'nf_tables' | 'legacy' | undefined {
  const m = /\((nf_tables|legacy)\)/.exec(output);
  return m ? (m[1] as 'nf_tables' | 'legacy') : output.trim() ? 'legacy' : undefined;
}

async function toolVersion(tool: string, args: string[]): Promise<{ path: string; version: string; output: string } | { path?: string; error: string }> {
  const path = findInPath(tool);
  if (!path) return { error: `${tool} not found in PATH` };
  try {
    const { stdout, stderr } = await execFile([path, ...args], { timeout: 10_000 });
    const output = stdout + stderr;
    return { path, version: parseToolVersion(output) ?? 'unknown version', output };
  } catch (error) {
    return { path, error: firstLine(error) };
  }
}

async function checkTool(tool: string, args: string[], fix: string): Promise<DoctorCheck> {
  const r = await toolVersion(tool, args);
  if ('error' in r) return { name: tool, ok: false, detail: r.error, fix };
  return { name: tool, ok: true, detail: `${r.version} (${r.path})` };
}

async function checkRuntime(): Promise<DoctorCheck> {
  const found: string[] = [];
  for (const tool of ['runc', 'crun']) {
    const r = await toolVersion(tool, ['--version']);
    if (!('error' in r)) found.push(`${tool} ${r.version} (${r.path})`);
  }
  return found.length
    ? { name: 'OCI runtime', ok: true, detail: found.join(', ') }
    : { name: 'OCI runtime', ok: false, detail: 'neither runc nor crun found in PATH', fix: 'apt-get install runc conmon' };
}

async function checkFirewall(): Promise<DoctorCheck> {
  const ipt = await toolVersion('iptables', ['--version']);
  const nft = await toolVersion('nft', ['--version']);
  const parts: string[] = [];
  if (!('error' in ipt)) parts.push(`iptables ${ipt.version} (${parseIptablesBackend(ipt.output)} backend)`);
  if (!('error' in nft)) parts.push(`nft ${nft.version}`);
  return parts.length
    ? { name: 'firewall', ok: true, detail: parts.join(', ') }
    : { name: 'firewall', ok: false, detail: 'neither iptables nor nft found (published ports and NAT need one)', fix: 'apt-get install iptables' };
}

/** An ELF executable with no PT_INTERP program header is statically linked. */
export function isStaticElf(header: Buffer): boolean | undefined {
  if (header.length < 64 || header.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const is64 = header[4] === 2;
  const le = header[5] === 1;
  const u16 = (o: number) => (le ? header.readUInt16LE(o) : header.readUInt16BE(o));
  const u32 = (o: number) => (le ? header.readUInt32LE(o) : header.readUInt32BE(o));
  const phoff = is64 ? Number(le ? header.readBigUInt64LE(0x20) : header.readBigUInt64BE(0x20)) : u32(0x1c);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  if (phoff + phentsize * phnum > header.length) return undefined;
  for (let i = 0; i < phnum; i++) if (u32(phoff + i * phentsize) === 3) return false;
  return true;
}

function checkBusybox(): DoctorCheck {
  const fix = 'apt-get install busybox-static';
  const path = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
  if (!path) return { name: 'busybox-static', ok: false, optional: true, detail: 'not found (samples and tests build images from it)', fix };
  const fd = openSync(path, 'r');
  const header = Buffer.alloc(4096);
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  const isStatic = isStaticElf(header);
  return isStatic
    ? { name: 'busybox-static', ok: true, optional: true, detail: `${path} (static)` }
    : { name: 'busybox-static', ok: false, optional: true, detail: `${path} is ${isStatic === false ? 'dynamically linked' : 'not an ELF executable'}; images made from it need the static one`, fix };
}

function firstLine(error: unknown): string {
  const text = error instanceof ProcessError ? (error.stderr.trim() || error.message) : error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
