// Service attributes the engine applies (key-support.ts), each seen from
// inside a real container, and those it refuses, with nothing created.
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { requireHost } from '../host.js';
import { suite } from '../harness.js';
import { execOutput, missingForEngine } from '../engines/embedded/engine-helpers.js';
import type { TestEngine } from '../engines/embedded/engine-helpers.js';
import { detectCgroupVersion } from '../../src/engines/embedded/runtime/cgroups.js';
import { splitDev } from '../../src/engines/embedded/runtime/devices.js';
import { runCli } from './cli.js';
import { downProject, upProject } from './project-fixture.js';
import type { ProjectFixture } from './project-fixture.js';
import type { CliResult } from './cli.js';

const s = suite('engine keys');
const { ready, test } = requireHost(s, 'engine keys', missingForEngine());
let f: ProjectFixture | undefined;
let t: TestEngine | undefined;
let dir = '';

const SLEEP = 'command: sleep 1000\n    stop_signal: SIGKILL';
/** A block device of this host (the first disk), for blkio_config. */
const DISK = readdirSync('/sys/block').find((n) => !/^(loop|ram|zram|sr|dm-)/.test(n)) ?? 'sda';
/**
 * The numbers of a block device the host can open (a sandbox may forbid its disk), for a
 * node made inside a container: block devices are none of runc's default allowed devices.
 */
const OPENABLE = readdirSync('/sys/block').find((n) => canOpen(`/dev/${n}`)) ?? DISK;
const OPENABLE_DEV = existsSync(`/dev/${OPENABLE}`) ? splitDev(statSync(`/dev/${OPENABLE}`, { bigint: true }).rdev) : { major: 7, minor: 0 };

function canOpen(path: string): boolean {
  try {
    closeSync(openSync(path, 'r'));
    return true;
  } catch {
    return false;
  }
}
const COMPOSE = `
name: keys
services:
  secret:
    image: busybox
    ${SLEEP}
    secrets:
      - source: token
        mode: 0400
      - source: fromenv
        target: env-token
        uid: "1000"
        gid: "1000"
    configs:
      - source: app
        target: /etc/app.conf
  logs:
    image: busybox
    command: ["sh", "-c", "i=0; while [ $$i -lt 3000 ]; do echo line-$$i-xxxxxxxxxxxxxxxxxxxxxxxx; i=$$((i+1)); done; sleep 1000"]
    stop_signal: SIGKILL
    logging:
      driver: json-file
      options:
        max-size: 4k
        max-file: "1"
  quiet:
    image: busybox
    command: ["sh", "-c", "echo nobody hears this; sleep 1000"]
    stop_signal: SIGKILL
    logging:
      driver: none
  dev:
    image: busybox
    ${SLEEP}
    devices:
      - /dev/zero:/dev/xzero
    device_cgroup_rules:
      - "b ${OPENABLE_DEV.major}:${OPENABLE_DEV.minor} r"
  hostns:
    image: busybox
    ${SLEEP}
    pid: host
    ipc: host
    uts: host
    cgroup: host
  peer:
    image: busybox
    command: sleep 1001
    stop_signal: SIGKILL
    pid: service:secret
    depends_on: [secret]
  tuned:
    image: busybox
    ${SLEEP}
    oom_score_adj: 500
    cpu_quota: 50000
    cpu_period: 100000
    tty: true
    stdin_open: true
    annotations:
      org.example.team: storage
    mac_address: 02:42:ac:11:00:99
  blk:
    image: busybox
    ${SLEEP}
    blkio_config:
      device_read_bps:
        - path: /dev/${DISK}
          rate: 1mb
      device_write_iops:
        - path: /dev/${DISK}
          rate: 120
secrets:
  token:
    file: ./token.txt
  fromenv:
    environment: KEYS_TOKEN
configs:
  app:
    content: |
      listen 8080
`;

function cli(...args: string[]): CliResult {
  return f!.cli(...args);
}

const exec = (name: string, cmd: string[]) => execOutput(t!.engine, name, cmd);

s.before(async () => {
  if (!ready) return;
  f = await upProject('tsc-keys-', { 'compose.yaml': COMPOSE, 'token.txt': 's3cret\n' }, { KEYS_TOKEN: 'from-the-environment' });
  t = f.t;
  dir = f.dir;
});

s.after(() => downProject(f));


test('a file secret is readable at /run/secrets/NAME with its mode, read-only', async () => {
  assert.equal(await exec('keys-secret-1', ['cat', '/run/secrets/token']), { code: 0, out: 's3cret\n' });
  assert.equal(await exec('keys-secret-1', ['stat', '-c', '%a %u', '/run/secrets/token']), { code: 0, out: '400 0\n' });
  const write = await exec('keys-secret-1', ['sh', '-c', 'echo x > /run/secrets/token']);
  assert.is.not(write.code, 0);
  assert.match(write.out, /Read-only file system/);
});

test('an environment secret takes the variable, a relative target goes under /run/secrets, uid and gid apply', async () => {
  assert.equal(await exec('keys-secret-1', ['cat', '/run/secrets/env-token']), { code: 0, out: 'from-the-environment' });
  assert.equal(await exec('keys-secret-1', ['stat', '-c', '%a %u %g', '/run/secrets/env-token']), { code: 0, out: '444 1000 1000\n' });
});

test('a content config is at its target with the default mode 0444', async () => {
  assert.equal(await exec('keys-secret-1', ['cat', '/etc/app.conf']), { code: 0, out: 'listen 8080\n' });
  assert.equal(await exec('keys-secret-1', ['stat', '-c', '%a', '/etc/app.conf']), { code: 0, out: '444\n' });
});

test('logging max-size: the log is emptied when it reaches the size, the latest lines stay', async () => {
  const info = await t!.engine.containers.inspect('keys-logs-1');
  // The writer has finished its 3000 lines (~100 KB) once the last one is logged.
  for (let i = 0; i < 200; i++) {
    if (/line-2999-/.test(cli('logs', '--no-log-prefix', 'logs').stdout)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const logs = cli('logs', '--no-log-prefix', 'logs').stdout;
  assert.match(logs, /line-2999-/);
  assert.not.match(logs, /^line-0-/m);
  assert.ok(statSync(info!.logPath!).size <= 8 * 1024, `log file is ${statSync(info!.logPath!).size} bytes`);
});

test('logging driver none: nothing is kept and logs says so', () => {
  const r = cli('logs', 'quiet');
  assert.not.match(r.stdout, /nobody hears this/);
  assert.match(r.stderr, /configured logging driver does not support reading/);
});

test('devices: the node is there with the host\'s numbers', async () => {
  assert.equal(await exec('keys-dev-1', ['sh', '-c', 'test -c /dev/xzero && head -c 4 /dev/xzero | wc -c']), { code: 0, out: '4\n' });
});

test('device_cgroup_rules: a block node made inside opens only with the rule (the kernel\'s device cgroup denies it otherwise)', async () => {
  // mknod is allowed for every device (Docker's `b *:* m`); opening is what the device cgroup decides.
  const open = ['sh', '-c', `mknod /dev/tsc-disk b ${OPENABLE_DEV.major} ${OPENABLE_DEV.minor} && dd if=/dev/tsc-disk of=/dev/null count=0 2>&1`];
  const allowed = await exec('keys-dev-1', open);
  assert.is(allowed.code, 0, allowed.out);
  const denied = await exec('keys-tuned-1', open);
  assert.is.not(denied.code, 0, denied.out);
  assert.match(denied.out, /can't open '\/dev\/tsc-disk': Operation not permitted/);
});

test('pid, ipc, uts and cgroup: host share the host\'s namespaces', async () => {
  assert.equal(await exec('keys-hostns-1', ['cat', '/proc/1/comm']), { code: 0, out: readFileSync('/proc/1/comm', 'utf8') });
  for (const ns of ['pid', 'ipc', 'uts', 'cgroup']) {
    assert.equal(await exec('keys-hostns-1', ['readlink', `/proc/self/ns/${ns}`]), { code: 0, out: `${readlinkSync(`/proc/self/ns/${ns}`)}\n` }, ns);
  }
  assert.equal(await exec('keys-hostns-1', ['hostname']), { code: 0, out: `${hostname()}\n` });
});

test('pid: service:NAME sees that service\'s processes', async () => {
  assert.equal(await exec('keys-peer-1', ['cat', '/proc/1/cmdline']), { code: 0, out: 'sleep\u00001000\u0000' });
  assert.equal(await exec('keys-peer-1', ['readlink', '/proc/self/ns/pid']), await exec('keys-secret-1', ['readlink', '/proc/self/ns/pid']));
});

test('oom_score_adj, cpu_quota/cpu_period and tty are applied', async () => {
  assert.equal(await exec('keys-tuned-1', ['cat', '/proc/1/oom_score_adj']), { code: 0, out: '500\n' });
  if (detectCgroupVersion() === 2) {
    assert.equal(await exec('keys-tuned-1', ['cat', '/sys/fs/cgroup/cpu.max']), { code: 0, out: '50000 100000\n' });
  } else {
    assert.equal(await exec('keys-tuned-1', ['cat', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us']), { code: 0, out: '50000\n' });
  }
  assert.match((await exec('keys-tuned-1', ['readlink', '/proc/1/fd/1'])).out, /^\/dev\/pts\/\d+\n$/);
});

test('a service-level mac_address is the primary network interface\'s', async () => {
  assert.equal(await exec('keys-tuned-1', ['cat', '/sys/class/net/eth0/address']), { code: 0, out: '02:42:ac:11:00:99\n' });
});

test('blkio_config: throttles of a host block device are in the container\'s cgroup', async () => {
  const { major, minor } = splitDev(statSync(`/dev/${DISK}`, { bigint: true }).rdev);
  if (detectCgroupVersion() === 2) {
    const max = (await exec('keys-blk-1', ['cat', '/sys/fs/cgroup/io.max'])).out;
    assert.match(max, new RegExp(`^${major}:${minor} rbps=1048576 wbps=max riops=max wiops=120$`, 'm'));
  } else {
    assert.equal(await exec('keys-blk-1', ['cat', '/sys/fs/cgroup/blkio/blkio.throttle.read_bps_device']), { code: 0, out: `${major}:${minor} 1048576\n` });
    assert.equal(await exec('keys-blk-1', ['cat', '/sys/fs/cgroup/blkio/blkio.throttle.write_iops_device']), { code: 0, out: `${major}:${minor} 120\n` });
  }
});

test('blkio_config on a device that does not exist: a clear error, no container', async () => {
  const sub = mkdtempSync(join(tmpdir(), 'tsc-blk-'));
  const run = (...args: string[]) => runCli(['--progress', 'quiet', ...args], { cwd: sub, env: { TSCOMPOSE_ROOT: t!.root } });
  try {
    writeFileSync(join(sub, 'compose.yaml'), 'name: noblk\nservices:\n  app:\n    image: busybox\n    blkio_config:\n      device_read_bps:\n        - path: /dev/tsc-nope\n          rate: 1mb\n');
    const r = run('up', '-d');
    assert.is(r.code, 1);
    assert.match(r.stderr, /blkio_config: \/dev\/tsc-nope: no such device/);
    assert.equal(await t!.engine.containers.list({ all: true, labels: { 'com.docker.compose.project': 'noblk' } }), []);
  } finally {
    run('down');
    rmSync(sub, { recursive: true, force: true });
  }
});

const REFUSED: Array<[string, string, RegExp]> = [
  ['gpus', '    gpus: all\n', /compose\.yaml:5:11: services\.app\.gpus: GPUs are not supported by the embedded engine/],
  ['storage_opt', '    storage_opt:\n      size: 1G\n', /services\.app\.storage_opt: per-container storage options need a storage driver with quotas/],
  ['a syslog logging driver', '    logging:\n      driver: syslog\n', /services\.app\.logging: logging driver "syslog" is not supported by the embedded engine: use json-file, local or none/],
  ['an IPv6 published address', '    ports: ["[::1]:8080:80"]\n', /services\.app\.ports\[0\]: host address ::1: IPv6 is not supported by the embedded engine yet/],
  ['enable_ipv6', '    networks: [v6]\nnetworks:\n  v6:\n    enable_ipv6: true\n', /networks\.v6\.enable_ipv6: IPv6 is not supported by the embedded engine yet/],
  ['an IPv6 subnet', '    networks: [v6]\nnetworks:\n  v6:\n    ipam:\n      config:\n        - subnet: fd00::/64\n', /networks\.v6\.ipam\.config\[0\]\.subnet: subnet fd00::\/64: IPv6 is not supported/],
];

for (const [what, extra, message] of REFUSED) {
  test(`refused with its place in the file, nothing created: ${what}`, async () => {
    const sub = mkdtempSync(join(tmpdir(), 'tsc-refuse-'));
    try {
      writeFileSync(join(sub, 'compose.yaml'), `name: refused\nservices:\n  app:\n    image: busybox\n${extra}`);
      const r = runCli(['--progress', 'plain', 'up', '-d'], { cwd: sub, env: { TSCOMPOSE_ROOT: t!.root } });
      assert.is(r.code, 1, r.stderr);
      assert.match(r.stderr, message);
      assert.not.match(r.stderr, /\n\s+at .*:\d+:\d+/, 'no stack trace');
      assert.equal(await t!.engine.containers.list({ all: true, labels: { 'com.docker.compose.project': 'refused' } }), []);
      assert.equal((await t!.engine.networks.list()).filter((n) => n.name.startsWith('refused_')), []);
    } finally {
      rmSync(sub, { recursive: true, force: true });
    }
  });
}

s.run();
