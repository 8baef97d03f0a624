// The one table of service attributes: applied, refused with file:line, or
// applied in part with a warning; and what the applied ones become in the
// container spec.
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { checkKeySupport } from '../../src/stack/key-support.js';
import { buildContainerSpec } from '../../src/stack/container-spec.js';
import { loadStack } from './helpers.js';

const s = suite('key-support');

const messages = (yaml: string) => {
  const r = checkKeySupport(loadStack(yaml).project);
  return { errors: r.errors.map((e) => e.format().replace(/^.*compose\.yaml:/, 'compose.yaml:')), warnings: r.warnings };
};

s('applied attributes give no verdict', () => {
  assert.equal(messages('services:\n  a:\n    image: x\n    pid: host\n    ipc: shareable\n    uts: host\n    cgroup: private\n    cpu_quota: 1000\n    devices: [/dev/null]\n    tty: true\n    logging:\n      driver: local\n      options: { max-size: 1m, max-file: "1" }\n'), { errors: [], warnings: [] });
});

s('refusals name the file, line and attribute', () => {
  const r = messages('services:\n  a:\n    image: x\n    gpus: all\n    runtime: nvidia\n    cgroup_parent: /x\n    pid: "container"\n');
  assert.equal(r.errors, [
    'compose.yaml:4:11: services.a.gpus: GPUs are not supported by the embedded engine (it has no NVIDIA/CDI device support)',
    'compose.yaml:5:14: services.a.runtime: the embedded engine runs containers with its own OCI runtime (runc or crun); a runtime per service is not supported',
    'compose.yaml:6:20: services.a.cgroup_parent: the embedded engine places every container under its own /tscompose cgroup',
    'compose.yaml:7:10: services.a.pid: must be host, service:NAME or container:NAME, not "container"',
  ]);
});

s('a CDI device name is refused; device paths are applied', () => {
  const r = messages('services:\n  a:\n    image: x\n    devices:\n      - /dev/fuse\n      - nvidia.com/gpu=all\n');
  assert.equal(r.errors, ['compose.yaml:5:7: services.a.devices: nvidia.com/gpu=all: CDI device names are not supported by the embedded engine (it has no CDI registry); give a device path such as /dev/fuse']);
});

s('a service-level mac_address goes to the primary network, as Docker Compose does', () => {
  const stack = loadStack('name: m\nservices:\n  a:\n    image: x\n    mac_address: 02:42:ac:11:00:99\n    networks:\n      back: {}\n      front: { priority: 10 }\nnetworks:\n  back: {}\n  front: {}\n');
  assert.equal(checkKeySupport(stack.project).errors, []);
  const spec = buildContainerSpec(stack, stack.project.services.a!, { number: 1 });
  assert.is(spec.networks?.m_front?.macAddress, '02:42:ac:11:00:99');
  assert.is(spec.networks?.m_back?.macAddress, undefined);
});

s('a service-level mac_address that differs from the primary network\'s, or with network_mode, is refused', () => {
  assert.equal(messages('services:\n  a:\n    image: x\n    mac_address: 02:42:ac:11:00:99\n    networks:\n      default: { mac_address: 02:42:ac:11:00:01 }\n').errors,
    ['compose.yaml:4:18: services.a.mac_address: the service-level mac_address should have the same value as network default']);
  assert.equal(messages('services:\n  a:\n    image: x\n    mac_address: 02:42:ac:11:00:99\n    network_mode: host\n').errors,
    ['compose.yaml:4:18: services.a.mac_address: has no network to apply to with network_mode host']);
});

s('what is applied in part warns: Swarm-only deploy keys, other log options; max-file > 1 is applied (rotation)', () => {
  const r = messages('services:\n  a:\n    image: x\n    deploy:\n      placement: { constraints: [node.role==manager] }\n    logging:\n      options: { max-size: 1m, max-file: "3", compress: "true" }\n');
  assert.equal(r.errors, []);
  assert.equal(r.warnings, [
    'services.a.deploy (deploy.placement) is used by Swarm only; ignored on a single engine, as Docker Compose does',
    'services.a.logging logging option compress is not applied: the embedded engine honours max-size and max-file',
  ]);
});

s('platform must be the host\'s; stdin_open is applied (attach)', () => {
  const arch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;
  const other = arch === 'amd64' ? 'arm64' : 'amd64';
  assert.equal(messages(`services:\n  a:\n    image: x\n    platform: linux/${arch}\n`), { errors: [], warnings: [] });
  const r = messages(`services:\n  a:\n    image: x\n    platform: linux/${other}\n    stdin_open: true\n`);
  assert.match(r.errors[0]!, new RegExp(`compose\\.yaml:4:15: services\\.a\\.platform: "linux/${other}" does not match this host \\(linux/${arch}\\)`));
  assert.equal(r.warnings, []);
});

s('IPv6 is refused, never dropped', () => {
  const r = messages('services:\n  a:\n    image: x\n    ports: ["[::1]:8080:80"]\n    networks:\n      n:\n        ipv6_address: fd00::5\nnetworks:\n  n:\n    enable_ipv6: true\n    ipam:\n      config: [{ subnet: "fd00::/64" }]\n');
  assert.equal(r.errors.map((e) => e.replace(/: IPv6 is not supported.*$/, '')), [
    'compose.yaml:4:13: services.a.ports[0]: host address ::1',
    'compose.yaml:7:23: services.a.networks.n.ipv6_address',
    'compose.yaml:10:18: networks.n.enable_ipv6',
    'compose.yaml:12:26: networks.n.ipam.config[0].subnet: subnet fd00::/64',
  ]);
});

s('the container spec: namespaces of another service, secrets and configs as files, log settings', () => {
  const stack = { ...loadStack(`
services:
  db:
    image: x
  app:
    image: x
    pid: service:db
    ipc: host
    annotations: { a: b }
    oom_score_adj: -100
    cpu_period: 50000
    secrets: [{ source: token, mode: "0400", uid: "7" }, fromenv]
    configs: [{ source: conf }]
    logging: { driver: json-file, options: { max-size: 10k } }
secrets:
  token: { file: ./token }
  fromenv: { environment: TOKEN }
configs:
  conf: { content: "hello" }
`), env: { TOKEN: 'abc' } };
  const spec = buildContainerSpec(stack, stack.project.services.app!, { number: 1 });
  assert.is(spec.pidMode, `container:${stack.project.name}-db-1`);
  assert.is(spec.ipcMode, 'host');
  assert.equal(spec.annotations, { a: 'b' });
  assert.is(spec.oomScoreAdj, -100);
  assert.is(spec.resources?.cpuPeriod, 50000);
  assert.equal(spec.log, { driver: 'json-file', maxSizeBytes: 10240 });
  assert.equal(spec.files?.map((f) => ({ ...f, source: f.source?.replace(/^.*\//, '') })), [
    { target: '/run/secrets/token', mode: 0o400, uid: 7, gid: 0, source: 'token' },
    { target: '/run/secrets/fromenv', mode: 0o444, uid: 0, gid: 0, content: Buffer.from('abc').toString('base64'), source: undefined },
    { target: '/conf', mode: 0o444, uid: 0, gid: 0, content: Buffer.from('hello').toString('base64'), source: undefined },
  ]);
});

s.run();
