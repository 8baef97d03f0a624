// The OCI spec parts of the service attributes key-support.ts applies:
// namespaces shared or joined, devices and their cgroup rules, annotations,
// CFS quota/period, the OOM killer switch.
import * as assert from 'uvu/assert';
import { suite } from '../../harness.js';
import type { ContainerSpec } from '../../../src/engine/types.js';
import { buildOciSpec, type BuildOciSpecInput } from '../../../src/engines/embedded/runtime/oci-spec.js';
import { parseDeviceCgroupRule, resolveDevices, splitDev } from '../../../src/engines/embedded/runtime/devices.js';

const s = suite('oci-spec keys');

function input(spec: Partial<ContainerSpec>, extra: Partial<BuildOciSpecInput> = {}): BuildOciSpecInput {
  return {
    id: '0123456789abcdef0123', spec: { name: 'web', image: 'img', labels: {}, env: {}, command: ['sh'], ...spec }, image: {},
    rootfs: '/r/rootfs', hostsFile: '/r/hosts', hostnameFile: '/r/hostname', resolvConfFile: '/r/resolv.conf', resolvedMounts: [],
    cgroupsPath: '/tscompose/0123', hostRlimits: {}, cgroupVersion: 2,
    userDb: { passwd: 'root:x:0:0:root:/root:/bin/sh\n', group: 'root:x:0:\n' }, ...extra,
  };
}

const types = (o: ReturnType<typeof buildOciSpec>) => o.linux.namespaces.map((n) => (n.path ? `${n.type}=${n.path}` : n.type));

s('namespaces: host shares (none made), a path joins, cgroup host/private', () => {
  assert.equal(types(buildOciSpec(input({}))), ['pid', 'ipc', 'uts', 'mount', 'network', 'cgroup']);
  const o = buildOciSpec(input({}, { namespaces: { pid: 'host', ipc: '/proc/7/ns/ipc', uts: 'host', cgroup: 'host' } }));
  assert.equal(types(o), ['ipc=/proc/7/ns/ipc', 'mount', 'network']);
  // The host's UTS namespace keeps the host's name: none is set.
  assert.is(o.hostname, undefined);
  assert.equal(types(buildOciSpec(input({}, { cgroupVersion: 1, namespaces: { cgroup: 'private' } }))), ['pid', 'ipc', 'uts', 'mount', 'network', 'cgroup']);
});

s('devices: nodes created, allowed after the default deny; privileged keeps allow-all', () => {
  const devices = { nodes: [{ type: 'c' as const, path: '/dev/xzero', major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 }], rules: [{ allow: true, type: 'c' as const, major: 1, minor: 5, access: 'rwm' }] };
  const o = buildOciSpec(input({}, { devices }));
  assert.equal(o.linux.devices, devices.nodes);
  assert.equal(o.linux.resources!.devices, [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }]);
  assert.equal(buildOciSpec(input({ privileged: true }, { devices })).linux.resources!.devices, [{ allow: true, access: 'rwm' }]);
});

s('devices: a host node read with its type and numbers; rules parsed as Docker writes them', () => {
  const r = resolveDevices({ devices: [{ source: '/dev/null', target: '/dev/mynull', permissions: 'rw' }], deviceCgroupRules: ['c 10:* rwm', 'a *:* r'] });
  assert.equal(r.nodes.map((n) => [n.type, n.path, n.major, n.minor]), [['c', '/dev/mynull', 1, 3]]);
  assert.equal(r.rules, [
    { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' },
    { allow: true, type: 'c', major: 10, access: 'rwm' },
    { allow: true, type: 'a', access: 'r' },
  ]);
  assert.throws(() => resolveDevices({ devices: [{ source: '/nope', target: '/dev/x', permissions: 'rwm' }] }), /error gathering device information while adding custom device "\/nope": no such file or directory/);
  assert.throws(() => resolveDevices({ devices: [{ source: '/etc/hostname', target: '/dev/x', permissions: 'rwm' }] }), /is not a device node/);
  assert.throws(() => parseDeviceCgroupRule('c 1-3 rwm'), /invalid device cgroup rule "c 1-3 rwm"/);
  assert.equal(splitDev(0x10305n), { major: 259, minor: 5 });
});

s('annotations, cpu quota/period, oom score; the OOM killer switch on cgroup v1 only', () => {
  const o = buildOciSpec(input({ annotations: { 'org.example': 'x' }, resources: { cpuQuota: 50000, cpuPeriod: 100000 }, oomScoreAdj: 300, oomKillDisable: true }));
  assert.equal(o.annotations, { 'org.example': 'x' });
  assert.equal(o.linux.resources!.cpu, { period: 100000, quota: 50000 });
  assert.is(o.process.oomScoreAdj, 300);
  assert.is(o.linux.resources!.memory, undefined);
  const v1 = buildOciSpec(input({ oomKillDisable: true, resources: { memoryBytes: 1024 } }, { cgroupVersion: 1 }));
  assert.equal(v1.linux.resources!.memory, { disableOOMKiller: true, limit: 1024, swap: 2048 });
  // `cpus` wins over cpu_quota, as Docker's NanoCPUs.
  assert.equal(buildOciSpec(input({ resources: { nanoCpus: 5e8, cpuQuota: 1, cpuPeriod: 2 } })).linux.resources!.cpu, { period: 100000, quota: 50000 });
});

s.run();
