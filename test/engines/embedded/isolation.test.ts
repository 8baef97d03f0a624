// The same isolation probes in a tscompose container and, where a Docker
// daemon answers, in a Docker container of the same image: each must give
// Docker's outcome (the expected table is what Docker 24+ gives by default).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { loadBusyboxImage } from '../../fixtures/images/busybox.js';
import { SYSCALL, syscallProbeElf, syscallProbeSupported } from '../../fixtures/images/syscall-probe.js';
import { appArmorEnabled } from '../../../src/engines/embedded/runtime/apparmor.js';
import { collector, engineSuite, rejects, runToEnd, spec } from './engine-helpers.js';

const IMAGE = 'tsc-isolation-probe:1';
const EPERM = '1';

// The system-call probes are x86-64 programs: elsewhere the table is checked without them.
const probes: Array<[string, string, Buffer?]> = !syscallProbeSupported() ? [] : [
  ['keyctl', '/probe/keyctl', syscallProbeElf(SYSCALL.keyctl, [0, -3, 0])],
  ['add_key', '/probe/add_key', syscallProbeElf(SYSCALL.add_key)],
  ['unshare_user_syscall', '/probe/unshare', syscallProbeElf(SYSCALL.unshare, [0x10000000])],
  ['clone_newuts', '/probe/clone', syscallProbeElf(SYSCALL.clone, [0x04000000 | 17])],
  ['personality_no_randomize', '/probe/personality', syscallProbeElf(SYSCALL.personality, [0x0040000])],
  ['socket_vsock', '/probe/vsock', syscallProbeElf(SYSCALL.socket, [40, 1, 0])],
];

/** One line `name=value` per probe; every probe reports, whatever it finds. */
const SCRIPT = [
  'echo "seccomp=$(sed -n "s/^Seccomp:[[:space:]]*//p" /proc/self/status)"',
  'echo "capeff=$(sed -n "s/^CapEff:[[:space:]]*//p" /proc/self/status)"',
  'unshare -U true 2>/dev/null; echo "unshare_user=$?"',
  'mount -t tmpfs none /mnt 2>/dev/null; echo "mount_tmpfs=$?"',
  '(mknod /tmp/mem c 1 1 && head -c1 /tmp/mem >/dev/null) 2>/dev/null; echo "mknod_mem_read=$?"',
  '(echo h > /proc/sysrq-trigger) 2>/dev/null; echo "sysrq_write=$?"',
  '(echo 1 > /proc/sys/kernel/panic) 2>/dev/null; echo "proc_sys_kernel_write=$?"',
  '(echo 1 > /sys/kernel/profiling) 2>/dev/null; echo "sys_write=$?"',
  'echo "kcore_bytes=$(head -c 16 /proc/kcore 2>/dev/null | wc -c)"',
  'echo "pid1=$(tr "\\0" " " < /proc/1/cmdline | cut -c1-2)"',
  'echo "processes=$(ls /proc | grep -c "^[0-9]")"',
  ...probes.map(([name, path]) => `${path}; echo "${name}=$?"`),
].join('\n');

const SYSCALL_EXPECTED: Record<string, string> = {
  keyctl: EPERM,
  add_key: EPERM,
  unshare_user_syscall: EPERM,
  clone_newuts: EPERM,
  personality_no_randomize: EPERM,
  socket_vsock: EPERM,
};

const ROOT_EXPECTED: Record<string, string> = {
  seccomp: '2',
  capeff: '00000000a80425fb',
  unshare_user: '1',
  mount_tmpfs: '1',
  mknod_mem_read: '1',
  sysrq_write: '1',
  proc_sys_kernel_write: '1',
  sys_write: '1',
  kcore_bytes: '0',
  pid1: 'sh',
  ...(syscallProbeSupported() ? SYSCALL_EXPECTED : {}),
};

const USER_SCRIPT = [
  'echo "capeff=$(sed -n "s/^CapEff:[[:space:]]*//p" /proc/self/status)"',
  'cat /proc/self/status >/dev/null 2>&1; echo "read_status=$?"',
  'ls / >/dev/null 2>&1; echo "list_root=$?"',
  'echo x > "$HOME/file" 2>/dev/null; echo "write_home=$?"',
  'echo x > /data/file 2>/dev/null; echo "write_volume=$?"',
  'mknod /tmp/null c 1 3 2>/dev/null; echo "mknod=$?"',
  'unshare -U true 2>/dev/null; echo "unshare_user=$?"',
].join('\n');

const USER_EXPECTED: Record<string, string> = {
  capeff: '0000000000000000', read_status: '0', list_root: '0', write_home: '0', write_volume: '0', mknod: '1', unshare_user: '1',
};

function parse(out: string): Record<string, string> {
  return Object.fromEntries(out.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]));
}

function pick(got: Record<string, string>, expected: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(expected).map((k) => [k, got[k] ?? '(missing)']));
}

const imageEntries = () => [
  { name: 'probe', type: 'directory' as const, mode: 0o755 },
  ...probes.map(([, path, elf]) => ({ name: path.slice(1), type: 'file' as const, mode: 0o755, body: elf!, size: elf!.length })),
  { name: 'home/app', type: 'directory' as const, mode: 0o755, uid: 1000, gid: 1000 },
  { name: 'data', type: 'directory' as const, mode: 0o755, uid: 1000, gid: 1000 },
  { name: 'etc/passwd', type: 'file' as const, mode: 0o644, body: Buffer.from('root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n') },
];

const { s, test } = engineSuite('isolation');

test('a root container: seccomp on, default capabilities, namespaces and keyrings blocked, kernel interfaces read-only, host processes hidden', async (t) => {
  await loadBusyboxImage(t.engine.images, IMAGE, {}, imageEntries());
  const r = await runToEnd(t.engine, { image: IMAGE, command: ['sh', '-c', SCRIPT] });
  const got = parse(r.out);
  assert.equal(pick(got, ROOT_EXPECTED), ROOT_EXPECTED, r.out);
  // sh, ls and grep, a subshell perhaps: never the host's hundreds.
  assert.ok(Number(got.processes) <= 5, `the container sees only its own processes: ${got.processes}`);
});

test('a USER 1000 image: no effective capabilities, yet reads its /proc/self/status, lists /, writes its home and a named volume', async (t) => {
  await loadBusyboxImage(t.engine.images, `${IMAGE}-user`, { User: '1000', Env: ['PATH=/bin', 'HOME=/home/app'] }, imageEntries());
  await t.engine.volumes.create({ name: 'tsc-isolation-data' });
  const r = await runToEnd(t.engine, { image: `${IMAGE}-user`, command: ['sh', '-c', USER_SCRIPT], mounts: [{ type: 'volume', source: 'tsc-isolation-data', target: '/data' }] });
  assert.equal(pick(parse(r.out), USER_EXPECTED), USER_EXPECTED, r.out);
  const asUser = await runToEnd(t.engine, { image: IMAGE, user: '1000', command: ['sh', '-c', 'sed -n "s/^CapEff:[[:space:]]*//p" /proc/self/status'] });
  assert.is(asUser.out.trim(), '0000000000000000');
  // exec -u into a root container: the exec'd process has no capability either; as root it has the set.
  const id = await t.engine.containers.create(spec({ image: IMAGE, command: ['sleep', '60'] }));
  try {
    await t.engine.containers.start(id);
    const capEff = async (user: string) => {
      const out = collector();
      await t.engine.containers.exec(id, { cmd: ['sed', '-n', 's/^CapEff:[[:space:]]*//p', '/proc/self/status'], user }, { stdout: out.stream, stderr: out.stream });
      return out.text().trim();
    };
    assert.is(await capEff('1000'), '0000000000000000');
    assert.is(await capEff('0'), '00000000a80425fb');
  } finally {
    await t.engine.containers.remove(id, { force: true });
  }
});

test('seccomp=unconfined and privileged lift the filter, as Docker does', async (t) => {
  const unconfined = await runToEnd(t.engine, { image: IMAGE, securityOpt: ['seccomp=unconfined'], command: ['sh', '-c', 'grep ^Seccomp: /proc/self/status; [ -x /probe/personality ] && /probe/personality; echo personality=$?'] });
  assert.match(unconfined.out, /Seccomp:\s+0/);
  if (syscallProbeSupported()) assert.match(unconfined.out, /personality=0/);
  const privileged = await runToEnd(t.engine, { image: IMAGE, privileged: true, command: ['sh', '-c', 'grep ^Seccomp: /proc/self/status'] });
  assert.match(privileged.out, /Seccomp:\s+0/);
});

test('refused before anything is made: userns_mode other than host, an AppArmor profile on a host without AppArmor', async (t) => {
  const before = (await t.engine.containers.list({ all: true })).length;
  await rejects(t.engine.containers.create(spec({ usernsMode: 'private' })), /userns_mode "private" is not supported/);
  await rejects(t.engine.containers.create(spec({ securityOpt: ['label=level:s0'] })), /SELinux labels are not supported/);
  if (!appArmorEnabled()) {
    await rejects(t.engine.containers.create(spec({ securityOpt: ['apparmor=my-profile'] })), /AppArmor disabled/);
    const id = await t.engine.containers.create(spec({ usernsMode: 'host', securityOpt: ['apparmor=unconfined'] }));
    assert.is((await t.engine.containers.inspect(id))!.appArmorProfile, undefined, 'inspect claims no profile');
    await t.engine.containers.remove(id, { force: true });
  }
  assert.is((await t.engine.containers.list({ all: true })).length, before);
});

/** The major version of a Docker daemon that already answers (this suite never starts one). */
function dockerMajor(): number | undefined {
  try {
    return parseInt(execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8', stdio: 'pipe', timeout: 5000 }), 10);
  } catch {
    return undefined;
  }
}

/** Probes whose Docker outcome changed with a Docker release: compared only from that release on. */
const DOCKER_SINCE: Record<string, number> = { socket_vsock: 23 };

test('the same probes give the same outcome in a Docker container (where a Docker daemon answers)', async (t) => {
  const major = dockerMajor();
  if (major === undefined) {
    console.log('isolation: no Docker daemon answers; the Docker side of the comparison was not run');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tsc-isolation-'));
  const volume = `tsc-isolation-${process.pid}`;
  try {
    const archive = join(dir, 'image.tar');
    await t.engine.images.save([IMAGE, `${IMAGE}-user`], archive);
    execFileSync('docker', ['load', '-i', archive], { stdio: 'pipe' });
    const out = execFileSync('docker', ['run', '--rm', '--network', 'none', IMAGE, 'sh', '-c', SCRIPT], { encoding: 'utf8' });
    const expected = Object.fromEntries(Object.entries(ROOT_EXPECTED).filter(([k]) => major >= (DOCKER_SINCE[k] ?? 0)));
    assert.equal(pick(parse(out), expected), expected, out);
    const user = execFileSync('docker', ['run', '--rm', '--network', 'none', '-v', `${volume}:/data`, `${IMAGE}-user`, 'sh', '-c', USER_SCRIPT], { encoding: 'utf8' });
    assert.equal(pick(parse(user), USER_EXPECTED), USER_EXPECTED, user);
  } finally {
    try { execFileSync('docker', ['rmi', '-f', IMAGE, `${IMAGE}-user`], { stdio: 'pipe' }); } catch { /* not loaded */ }
    try { execFileSync('docker', ['volume', 'rm', '-f', volume], { stdio: 'pipe' }); } catch { /* not made */ }
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
