import { suite } from '../../harness.js';
import * as assert from 'uvu/assert';
import { checkCgroups, checkKernel, isStaticElf, parseCgroups, parseIptablesBackend, parseKernelVersion, parseToolVersion, runDoctor } from '../../../src/engines/embedded/doctor.js';
import { renderDoctorReport } from '../../../src/cli/format/doctor-report.js';
import { checkAppArmor, checkHostSysctls, checkSeccomp } from '../../../src/engines/embedded/doctor-security.js';

const HYBRID = `
25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
26 25 0:24 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755
27 26 0:25 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate
28 26 0:26 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,name=systemd
31 26 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpu,cpuacct
32 26 0:30 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory
33 26 0:31 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,pids
`;
const V2 = `
26 25 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:8 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;
const V1_NO_MEMORY = `
26 25 0:24 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755
31 26 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu
33 26 0:31 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
`;

/** A minimal little-endian ELF64 header with program headers of the given types. */
function elf(types: number[]): Buffer {
  const buf = Buffer.alloc(64 + 56 * types.length);
  buf.writeUInt32BE(0x7f454c46, 0);
  buf[4] = 2;
  buf[5] = 1;
  buf.writeBigUInt64LE(64n, 0x20);
  buf.writeUInt16LE(56, 0x36);
  buf.writeUInt16LE(types.length, 0x38);
  types.forEach((t, i) => buf.writeUInt32LE(t, 64 + 56 * i));
  return buf;
}

const s = suite('doctor');

s('kernel versions', () => {
  assert.equal(parseKernelVersion('6.18.44-fc-v657'), [6, 18, 44]);
  assert.equal(parseKernelVersion('5.10'), [5, 10, 0]);
  assert.is(parseKernelVersion('weird'), undefined);
  assert.ok(checkKernel('6.1.0-13-amd64').ok);
  assert.ok(checkKernel('4.18.0-553.el8').ok);
  assert.not.ok(checkKernel('4.9.0').ok);
  assert.ok(checkKernel('4.9.0').fix);
});

s('cgroups: hybrid (v1 controllers, v2 at unified)', () => {
  const info = parseCgroups(HYBRID, () => '');
  assert.is(info.version, 'hybrid');
  assert.is(info.v2Mount, '/sys/fs/cgroup/unified');
  assert.equal(info.v1Controllers, ['cpu', 'cpuacct', 'memory', 'pids']);
  const check = checkCgroups(HYBRID, () => '');
  assert.ok(check.ok);
  assert.match(check.detail, /^hybrid/);
});

s('cgroups: unified v2 reads cgroup.controllers', () => {
  const read = (p: string) => (p === '/sys/fs/cgroup/cgroup.controllers' ? 'cpuset cpu io memory hugetlb pids rdma misc\n' : undefined);
  const info = parseCgroups(V2, read);
  assert.is(info.version, 'v2');
  assert.equal(info.v2Controllers, ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc']);
  assert.ok(checkCgroups(V2, read).ok);
  const noMemory = checkCgroups(V2, () => 'cpu pids');
  assert.not.ok(noMemory.ok);
  assert.match(noMemory.detail, /missing memory/);
});

s('cgroups: v1 without memory, and none at all', () => {
  const c = checkCgroups(V1_NO_MEMORY, () => undefined);
  assert.not.ok(c.ok);
  assert.match(c.detail, /^v1: cpu pids; missing memory/);
  assert.ok(c.fix);
  const none = checkCgroups('', () => undefined);
  assert.not.ok(none.ok);
  assert.is(none.detail, 'no cgroup filesystem is mounted');
});

s('tool versions as each tool prints them', () => {
  assert.is(parseToolVersion('runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev\n'), '1.1.5+ds1');
  assert.is(parseToolVersion('crun version 1.8.1\ncommit: f8a096be\n+SYSTEMD +SELINUX'), '1.8.1');
  assert.is(parseToolVersion('conmon version 2.1.6\ncommit: unknown\n'), '2.1.6');
  assert.is(parseToolVersion('iptables v1.8.9 (nf_tables)\n'), '1.8.9');
  assert.is(parseToolVersion('nftables v1.0.6 (Lester Gooch #5)\n'), '1.0.6');
  assert.is(parseToolVersion('ip utility, iproute2-6.1.0, libbpf 1.1.2\n'), '6.1.0');
  assert.is(parseToolVersion('tini version 0.19.0 - git.de40ad0\n'), '0.19.0');
  assert.is(parseToolVersion(''), undefined);
  assert.is(parseIptablesBackend('iptables v1.8.9 (nf_tables)'), 'nf_tables');
  assert.is(parseIptablesBackend('iptables v1.8.7 (legacy)'), 'legacy');
  assert.is(parseIptablesBackend('iptables v1.6.1'), 'legacy');
});

s('static ELF: no PT_INTERP program header', () => {
  assert.is(isStaticElf(elf([1, 1, 4])), true);
  assert.is(isStaticElf(elf([6, 3, 1])), false);
  assert.is(isStaticElf(Buffer.from('#!/bin/sh\n'.padEnd(64))), undefined);
});

s('the real doctor on this machine: root, overlay, runc and conmon are ok', async () => {
  const report = await runDoctor();
  const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
  const missing = ['root', 'overlayfs', 'OCI runtime', 'conmon'].filter((n) => !byName[n]?.ok);
  if (missing.length && process.env.CI !== 'true' && !byName.root?.ok) {
    console.log(`  (skipped: the integration doctor check needs root; got ${missing.join(', ')} not ok)`);
    return;
  }
  assert.equal(missing.map((n) => `${n}: ${byName[n]?.detail}`), [], 'needs root, overlayfs, runc or crun, and conmon (apt-get install runc conmon)');
  assert.match(byName['OCI runtime']!.detail, /runc \d/);
  assert.match(byName.conmon!.detail, /^\d+\.\d+/);
  assert.ok(byName.cgroups!.ok, byName.cgroups!.detail);
  assert.ok(report.ok, renderDoctorReport(report));
});


s('doctor: host sysctls changed by networking are reported with their old values; AppArmor and seccomp said', () => {
  assert.equal(checkHostSysctls({}).detail, 'none changed by tscompose');
  const c = checkHostSysctls({ 'net.ipv4.ip_forward': { previous: '0', value: '1', changed: '2026-01-01T00:00:00.000Z' } }, () => '0');
  assert.is(c.detail, 'changed by tscompose: net.ipv4.ip_forward: 0 -> 1 (2026-01-01T00:00:00.000Z; now 0)');
  assert.match(checkAppArmor(false, undefined).detail, /not enabled in this kernel: containers run without an AppArmor profile/);
  assert.is(checkAppArmor(true, undefined).ok, false);
  assert.is(checkSeccomp('Name:\tx\nSeccomp:\t0\n').ok, true);
  assert.is(checkSeccomp('Name:\tx\n').ok, false);
});

s.run();
