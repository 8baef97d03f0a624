import { suite } from '../../harness.js';
import * as assert from 'uvu/assert';
import { buildOciSpec } from '../../../src/engines/embedded/runtime/oci-spec.js';
import { ociSpecInput, testUserDb } from './oci-input.js';
import { resolveProcessArgs, buildEnv, DEFAULT_PATH } from '../../../src/engines/embedded/runtime/process-args.js';
import { resolveUser } from '../../../src/engines/embedded/runtime/user.js';
import { DEFAULT_CAPABILITIES, resolveCapabilities, ALL_CAPABILITIES } from '../../../src/engines/embedded/runtime/capabilities.js';
import { buildRlimits, parseProcLimits } from '../../../src/engines/embedded/runtime/rlimits.js';
import { findInitBinary } from '../../../src/engines/embedded/runtime/init-binary.js';
import { buildExecProcess } from '../../../src/engines/embedded/runtime/exec-process.js';

const userDb = testUserDb;
const input = ociSpecInput;

const s = suite('oci-spec');

const argTable: Array<[string, string[] | undefined, string[] | undefined, { Entrypoint?: string[] | null; Cmd?: string[] | null }, string[]]> = [
  ['image only', undefined, undefined, { Entrypoint: ['/ep'], Cmd: ['a'] }, ['/ep', 'a']],
  ['command replaces Cmd', undefined, ['b'], { Entrypoint: ['/ep'], Cmd: ['a'] }, ['/ep', 'b']],
  ['entrypoint drops image Cmd', ['/x'], undefined, { Entrypoint: ['/ep'], Cmd: ['a'] }, ['/x']],
  ['entrypoint and command', ['/x'], ['c'], { Entrypoint: ['/ep'], Cmd: ['a'] }, ['/x', 'c']],
  ['[] entrypoint clears it, Cmd dropped', [], undefined, { Entrypoint: ['/ep'], Cmd: ['a'] }, 'ERR' as unknown as string[]],
  ['[] entrypoint with command', [], ['sh'], { Entrypoint: ['/ep'], Cmd: ['a'] }, ['sh']],
  ['[] command keeps entrypoint', undefined, [], { Entrypoint: ['/ep'], Cmd: ['a'] }, ['/ep']],
  ['null Entrypoint', undefined, undefined, { Entrypoint: null, Cmd: ['sh'] }, ['sh']],
];
for (const [name, ep, cmd, image, want] of argTable) {
  s(`args: ${name}`, () => {
    if ((want as unknown) === 'ERR') assert.throws(() => resolveProcessArgs(ep, cmd, image), /no command/);
    else assert.equal(resolveProcessArgs(ep, cmd, image), want);
  });
}

s('env: order, override in place, unset, TERM with tty', () => {
  const env = buildEnv({ imageEnv: ['PATH=/img/bin', 'A=1', 'B=2'], env: { B: '3', A: null, C: 'x=y' }, hostname: 'h', tty: true });
  assert.equal(env, ['PATH=/img/bin', 'HOSTNAME=h', 'TERM=xterm', 'B=3', 'C=x=y']);
  assert.equal(buildEnv({ env: {}, hostname: 'h' }), [`PATH=${DEFAULT_PATH}`, 'HOSTNAME=h']);
});

s('user: names, ids, groups, supplementary groups', () => {
  assert.equal(resolveUser(undefined, userDb), { uid: 0, gid: 0, additionalGids: [], home: '/root' });
  assert.equal(resolveUser('app', userDb), { uid: 1000, gid: 1000, additionalGids: [50, 999], home: '/home/app' });
  assert.equal(resolveUser('app:staff', userDb).additionalGids, []);
  assert.equal(resolveUser('app:staff', userDb).gid, 50);
  assert.equal(resolveUser('4242', userDb), { uid: 4242, gid: 0, additionalGids: [], home: '/' });
  assert.equal(resolveUser('33:77', userDb), { uid: 33, gid: 77, additionalGids: [], home: '/var/www' });
  assert.equal(resolveUser('www', userDb, ['docker', '12']).additionalGids, [50, 999, 12]);
  assert.throws(() => resolveUser('nobody', userDb), /unable to find user nobody/);
  assert.throws(() => resolveUser('app:nogroup', userDb), /unable to find group nogroup/);
});

s('capabilities: defaults, add, drop, ALL, CAP_ prefix', () => {
  assert.equal(resolveCapabilities({}), DEFAULT_CAPABILITIES);
  const c = resolveCapabilities({ capAdd: ['net_admin', 'CAP_SYS_PTRACE'], capDrop: ['CHOWN', 'cap_kill'] });
  assert.ok(c.includes('CAP_NET_ADMIN') && c.includes('CAP_SYS_PTRACE'));
  assert.not.ok(c.includes('CAP_CHOWN') || c.includes('CAP_KILL'));
  assert.equal(resolveCapabilities({ capDrop: ['ALL'], capAdd: ['NET_BIND_SERVICE'] }), ['CAP_NET_BIND_SERVICE']);
  const all = resolveCapabilities({ capAdd: ['ALL'], capDrop: ['SYS_ADMIN'] });
  assert.is(all.length, ALL_CAPABILITIES.length - 1);
  assert.equal(resolveCapabilities({ privileged: true, capDrop: ['ALL'] }), ALL_CAPABILITIES);
  assert.throws(() => resolveCapabilities({ capAdd: ['FLY'] }), /unknown capability "FLY"/);
});

s('rlimits: Docker NOFILE default clamped to the host, ulimits clamped', () => {
  const host = parseProcLimits('Limit                     Soft Limit           Hard Limit           Units\nMax processes             100                  200                  processes\nMax open files            1024                 20000                files\nMax core file size        0                    unlimited            bytes\n');
  assert.equal(host.RLIMIT_NOFILE, { soft: 1024, hard: 20000 });
  assert.equal(host.RLIMIT_CORE, { soft: 0, hard: Infinity });
  assert.equal(buildRlimits(undefined, host), [{ type: 'RLIMIT_NOFILE', hard: 20000, soft: 20000 }]);
  assert.equal(buildRlimits({ nofile: { soft: 100, hard: 200 }, nproc: { soft: 500, hard: 500 }, core: { soft: 1, hard: 2 } }, host), [
    { type: 'RLIMIT_NOFILE', hard: 200, soft: 100 },
    { type: 'RLIMIT_NPROC', hard: 200, soft: 200 },
    { type: 'RLIMIT_CORE', hard: 2, soft: 1 },
  ]);
});

s('spec: defaults like Docker', () => {
  const o = buildOciSpec(input({}));
  assert.is(o.hostname, '0123456789ab');
  assert.equal(o.process.args, ['sh']);
  assert.is(o.process.cwd, '/');
  assert.equal(o.process.user, { uid: 0, gid: 0 });
  assert.equal(o.process.capabilities!.bounding, DEFAULT_CAPABILITIES);
  assert.equal(o.process.capabilities!.effective, DEFAULT_CAPABILITIES);
  assert.is(o.process.terminal, false);
  assert.is(o.process.noNewPrivileges, false);
  assert.equal(o.process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 524288, soft: 524288 }]);
  assert.equal(o.root, { path: '/r/rootfs', readonly: false });
  assert.equal(o.linux.namespaces.map((n) => n.type), ['pid', 'ipc', 'uts', 'mount', 'network']);
  assert.is(o.linux.cgroupsPath, '/tscompose/0123');
  assert.ok(o.linux.maskedPaths!.includes('/proc/kcore'));
  assert.ok(o.linux.readonlyPaths!.includes('/proc/sys'));
  assert.equal(o.linux.resources!.devices, [{ allow: false, access: 'rwm' }]);
  assert.equal(o.mounts.map((m) => m.destination), ['/proc', '/dev', '/dev/pts', '/sys', '/sys/fs/cgroup', '/dev/mqueue', '/dev/shm', '/etc/resolv.conf', '/etc/hostname', '/etc/hosts']);
  assert.ok(o.mounts.find((m) => m.destination === '/dev/shm')!.options!.includes('size=67108864'));
  assert.ok(o.mounts.find((m) => m.destination === '/sys')!.options!.includes('ro'));
  assert.equal(o.mounts.find((m) => m.destination === '/etc/hosts'), { destination: '/etc/hosts', type: 'bind', source: '/r/hosts', options: ['rbind', 'rprivate'] });
  assert.ok(o.process.env.includes('HOSTNAME=0123456789ab'));
  assert.is(JSON.parse(JSON.stringify(o)).ociVersion, '1.0.2-dev');
});

s('spec: namespaces for host network, a joined netns, cgroup v2', () => {
  assert.not.ok(buildOciSpec(input({ hostname: 'h' }, { netns: 'host' })).linux.namespaces.some((n) => n.type === 'network'));
  assert.equal(buildOciSpec(input({}, { netns: '/run/netns/x' })).linux.namespaces.find((n) => n.type === 'network'), { type: 'network', path: '/run/netns/x' });
  assert.ok(buildOciSpec(input({}, { cgroupVersion: 2 })).linux.namespaces.some((n) => n.type === 'cgroup'));
});

s('spec: user, cwd, hostname, domainname, tty, read-only, sysctls, oom, no-new-privileges', () => {
  const o = buildOciSpec(input({ user: 'app', groupAdd: ['12'], workingDir: '/srv', hostname: 'web1', domainname: 'example.org', tty: true, readOnly: true, sysctls: { 'net.core.somaxconn': '1024' }, securityOpt: ['no-new-privileges:true'] }, { image: { WorkingDir: '/img', User: 'www' }, oomScoreAdj: 500 }));
  assert.equal(o.process.user, { uid: 1000, gid: 1000, additionalGids: [50, 999, 12] });
  assert.is(o.process.cwd, '/srv');
  assert.is(o.hostname, 'web1');
  assert.is(o.domainname, 'example.org');
  assert.is(o.process.terminal, true);
  assert.ok(o.process.env.includes('TERM=xterm'));
  assert.is(o.root.readonly, true);
  assert.equal(o.linux.sysctl, { 'net.core.somaxconn': '1024' });
  assert.is(o.process.oomScoreAdj, 500);
  assert.is(o.process.noNewPrivileges, true);
  const img = buildOciSpec(input({}, { image: { WorkingDir: '/img', User: 'www' } }));
  assert.is(img.process.cwd, '/img');
  assert.is(img.process.user.uid, 33);
  assert.throws(() => buildOciSpec(input({ workingDir: 'rel' })), /absolute/);
});

s('spec: resources from the service', () => {
  const o = buildOciSpec(input({ resources: { nanoCpus: 1.5e9, cpuShares: 512, memoryBytes: 64 << 20, memoryReservationBytes: 32 << 20, pidsLimit: 50, cpusetCpus: '0-1' } }));
  assert.equal(o.linux.resources!.cpu, { shares: 512, period: 100000, quota: 150000, cpus: '0-1' });
  assert.equal(o.linux.resources!.memory, { limit: 64 << 20, reservation: 32 << 20, swap: 128 << 20 });
  assert.equal(o.linux.resources!.pids, { limit: 50 });
  assert.equal(buildOciSpec(input({ resources: { memoryBytes: 100, memorySwapBytes: -1 } })).linux.resources!.memory, { limit: 100, swap: -1 });
});

s('spec: mounts: service mounts sorted, replace defaults, shm size', () => {
  const o = buildOciSpec(input({ shmSizeBytes: 1 << 20 }, {
    resolvedMounts: [
      { target: '/data/sub', source: '/h/sub', type: 'bind', options: ['ro'] },
      { target: '/data', source: '/h/data', type: 'bind', options: [] },
      { target: '/etc/hosts', source: '/h/hosts', type: 'bind', options: ['ro'] },
      { target: '/tmp', source: '', type: 'tmpfs', options: ['size=1024'] },
    ],
  }));
  const dests = o.mounts.map((m) => m.destination);
  assert.ok(dests.indexOf('/data') < dests.indexOf('/data/sub'));
  assert.is(dests.filter((d) => d === '/etc/hosts').length, 1);
  assert.equal(o.mounts.find((m) => m.destination === '/etc/hosts')!.source, '/h/hosts');
  assert.equal(o.mounts.find((m) => m.destination === '/data/sub')!.options, ['rbind', 'ro']);
  assert.equal(o.mounts.find((m) => m.destination === '/tmp'), { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['size=1024'] });
  assert.ok(o.mounts.find((m) => m.destination === '/dev/shm')!.options!.includes('size=1048576'));
  const shm = buildOciSpec(input({}, { resolvedMounts: [{ target: '/dev/shm', source: '/h/shm', type: 'bind', options: [] }] }));
  assert.is(shm.mounts.filter((m) => m.destination === '/dev/shm').length, 1);
});

s('spec: privileged', () => {
  const dev = { type: 'c' as const, path: '/dev/kmsg', major: 1, minor: 11 };
  const o = buildOciSpec(input({ privileged: true }, { hostDevices: [dev] }));
  assert.equal(o.process.capabilities!.bounding, ALL_CAPABILITIES);
  assert.equal(o.linux.maskedPaths, []);
  assert.equal(o.linux.readonlyPaths, []);
  assert.equal(o.linux.resources!.devices, [{ allow: true, access: 'rwm' }]);
  assert.equal(o.linux.devices, [dev]);
  assert.not.ok(o.mounts.find((m) => m.destination === '/sys')!.options!.includes('ro'));
});

s('spec: init', () => {
  const o = buildOciSpec(input({ init: true }, { initPath: '/usr/bin/tini-static' }));
  assert.equal(o.process.args, ['/sbin/docker-init', '--', 'sh']);
  assert.equal(o.mounts.find((m) => m.destination === '/sbin/docker-init'), { destination: '/sbin/docker-init', type: 'bind', source: '/usr/bin/tini-static', options: ['bind', 'ro'] });
  assert.throws(() => buildOciSpec(input({ init: true })), /apt-get install tini/);
  assert.throws(() => findInitBinary(['/nonexistent/tini']), /apt-get install tini/);
});

s('exec process: the container process with the exec command, env and user', () => {
  const c = buildOciSpec(input({ env: { A: '1' } }));
  const p = buildExecProcess(c, { cmd: ['id'], env: { B: '2', A: '3' }, user: 'app', workingDir: '/tmp', tty: true }, userDb);
  assert.equal(p.args, ['id']);
  assert.ok(p.env.includes('A=3') && p.env.includes('B=2') && p.env.includes('TERM=xterm'));
  assert.equal(p.user, { uid: 1000, gid: 1000, additionalGids: [50, 999] });
  assert.is(p.cwd, '/tmp');
  assert.is(p.terminal, true);
  assert.equal(p.rlimits, c.process.rlimits);
  assert.equal(buildExecProcess(c, { cmd: ['x'], privileged: true }, userDb, ALL_CAPABILITIES).capabilities!.bounding, ALL_CAPABILITIES);
});

s.run();
