// The Docker backend's pure parts: DOCKER_HOST and contexts, the create
// body, the multiplexed stream, ssh's argv, the list view.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { suite } from '../../harness.js';
import { buildCreateRequest } from '../../../src/engines/docker/container-create.js';
import { summaryFromList } from '../../../src/engines/docker/container-view.js';
import { encodeQuery } from '../../../src/engines/docker/client.js';
import { parseDockerHost, resolveDockerEndpoint } from '../../../src/engines/docker/host.js';
import { FrameDecoder, LineSplitter, splitTimestamp } from '../../../src/engines/docker/multiplex.js';
import { sshArgv } from '../../../src/engines/docker/ssh.js';
import { splitRef } from '../../../src/engines/docker/images.js';
import { engineKind } from '../../../src/cli/context.js';
import { isIgnored, parseDockerignore } from '../../../src/build/dockerignore.js';
import { configFileAuth, encodeAuth, registryOf } from '../../../src/engines/docker/build.js';

const s = suite('docker units');

s('DOCKER_HOST forms', () => {
  assert.equal(parseDockerHost('unix:///run/d.sock'), { kind: 'unix', socketPath: '/run/d.sock', url: 'unix:///run/d.sock' });
  assert.equal(parseDockerHost('tcp://10.0.0.1'), { kind: 'tcp', host: '10.0.0.1', port: 2375, tls: undefined, url: 'tcp://10.0.0.1' });
  const tls = parseDockerHost('tcp://h.example:2376', { verify: true, ca: '/c/ca.pem' });
  assert.equal(tls.kind === 'tcp' && tls.tls, { verify: true, ca: '/c/ca.pem' });
  assert.equal(parseDockerHost('ssh://me@box:2222'), { kind: 'ssh', host: 'box', user: 'me', port: 2222, socketPath: undefined, url: 'ssh://me@box:2222' });
  assert.throws(() => parseDockerHost('npipe:////./pipe/docker'), /scheme npipe:\/\/ is not supported/);
  assert.throws(() => parseDockerHost('ssh://me:pw@box'), /password in the URL is not supported/);
  assert.throws(() => parseDockerHost('box:2375'), /expected unix:\/\/, tcp:\/\/ or ssh:\/\//);
});

s('endpoint: DOCKER_HOST, then DOCKER_CONTEXT or the current context, then the local socket; TLS from env', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-dockercfg-'));
  try {
    assert.is(resolveDockerEndpoint({ env: {}, configDir: dir }).url, 'unix:///var/run/docker.sock');
    const certs = join(dir, 'certs');
    mkdirSync(certs);
    writeFileSync(join(certs, 'ca.pem'), 'x');
    const e = resolveDockerEndpoint({ env: { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs }, configDir: dir });
    assert.equal(e.kind === 'tcp' && e.tls, { ca: join(certs, 'ca.pem'), cert: undefined, key: undefined, verify: true });
    const id = createHash('sha256').update('remote').digest('hex');
    mkdirSync(join(dir, 'contexts', 'meta', id), { recursive: true });
    writeFileSync(join(dir, 'contexts', 'meta', id, 'meta.json'), JSON.stringify({ Name: 'remote', Endpoints: { docker: { Host: 'ssh://ops@remote' } } }));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ currentContext: 'remote' }));
    assert.is(resolveDockerEndpoint({ env: {}, configDir: dir }).url, 'ssh://ops@remote');
    assert.is(resolveDockerEndpoint({ env: { DOCKER_HOST: 'unix:///x.sock' }, configDir: dir }).url, 'unix:///x.sock');
    assert.throws(() => resolveDockerEndpoint({ env: { DOCKER_CONTEXT: 'nope' }, configDir: dir }), /Docker context "nope" not found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s('engine choice: flag, then TSCOMPOSE_ENGINE; DOCKER_HOST alone keeps the embedded engine', () => {
  assert.is(engineKind({}, { DOCKER_HOST: 'unix:///x' }), 'embedded');
  assert.is(engineKind({}, { TSCOMPOSE_ENGINE: 'docker' }), 'docker');
  assert.is(engineKind({ engine: 'embedded' }, { TSCOMPOSE_ENGINE: 'docker' }), 'embedded');
  assert.throws(() => engineKind({ engine: 'podman' }, {}), /unknown engine "podman"/);
});

s('ssh argv: the host after --, the remote socket, the user and port as options', () => {
  assert.equal(sshArgv({ host: 'box', user: 'me', port: 22 }, {}), ['ssh', '-o', 'ConnectTimeout=30', '-T', '-l', 'me', '-p', '22', '--', 'box', 'docker', 'system', 'dial-stdio']);
  assert.equal(sshArgv({ host: '-oProxyCommand=x', socketPath: '/run/my docker.sock' }, {}).slice(-6), ['--', '-oProxyCommand=x', "DOCKER_HOST=unix://'/run/my docker.sock'", 'docker', 'system', 'dial-stdio']);
});

s('create body: one network at create, the rest connected; binds for create_host_path; ports; healthcheck in ns', () => {
  const r = buildCreateRequest({
    name: 'p-web-1', image: 'busybox', labels: { a: 'b' }, env: { A: '1', B: null }, command: ['sh'],
    networkMode: 'p_front', networks: { p_front: { aliases: ['web'] }, p_back: { aliases: ['web'], ipv4Address: '10.1.0.5' } },
    ports: [{ containerPort: 80, hostPort: '8080', protocol: 'tcp' }, { containerPort: 80, hostIp: '127.0.0.1', protocol: 'tcp' }],
    mounts: [
      { type: 'bind', source: '/srv', target: '/srv', readOnly: true, bind: { createHostPath: true } },
      { type: 'volume', source: 'p_data', target: '/data', volume: { nocopy: true } },
      { type: 'tmpfs', target: '/run', tmpfs: { size: 1024 } },
    ],
    healthcheck: { test: ['CMD', 'true'], intervalMs: 1500, retries: 3 },
    restartPolicy: { name: 'no' },
  });
  const b = r.body as Record<string, any>;
  assert.equal(b.Env, ['A=1', 'B']);
  assert.equal(Object.keys(b.NetworkingConfig.EndpointsConfig), ['p_front']);
  assert.equal(r.connect, [{ network: 'p_back', endpoint: { Aliases: ['web'], IPAMConfig: { IPv4Address: '10.1.0.5' } } }]);
  assert.equal(b.HostConfig.PortBindings, { '80/tcp': [{ HostIp: '', HostPort: '8080' }, { HostIp: '127.0.0.1', HostPort: '' }] });
  assert.equal(b.ExposedPorts, { '80/tcp': {} });
  assert.equal(b.HostConfig.Binds, ['/srv:/srv:ro']);
  assert.equal(b.HostConfig.Mounts, [
    { Type: 'volume', Source: 'p_data', Target: '/data', VolumeOptions: { NoCopy: true } },
    { Type: 'tmpfs', Target: '/run', TmpfsOptions: { SizeBytes: 1024 } },
  ]);
  assert.equal(b.Healthcheck, { Test: ['CMD', 'true'], Interval: 1_500_000_000, Retries: 3 });
  assert.equal(b.HostConfig.RestartPolicy, { Name: '', MaximumRetryCount: 0 });
  assert.throws(() => buildCreateRequest({ name: 'x', image: 'i', labels: {}, env: {}, networks: { n: { interfaceName: 'eth9' } } }), /interface_name is not supported on the Docker engine/);
});

s('multiplexed frames split anywhere; lines per stream; timestamps', () => {
  const frame = (type: number, text: string) => {
    const h = Buffer.alloc(8);
    h[0] = type;
    h.writeUInt32BE(Buffer.byteLength(text), 4);
    return Buffer.concat([h, Buffer.from(text)]);
  };
  const all = Buffer.concat([frame(1, 'a1\na'), frame(2, 'e1\n'), frame(1, '2\n')]);
  const d = new FrameDecoder();
  const got: Array<[string, string]> = [];
  for (let i = 0; i < all.length; i += 3) for (const f of d.push(all.subarray(i, i + 3))) got.push([f.stream, f.data.toString()]);
  assert.equal(got, [['stdout', 'a1\na'], ['stderr', 'e1\n'], ['stdout', '2\n']]);
  assert.is(d.pending, 0);
  const lines = new LineSplitter<string>();
  assert.equal(lines.push('stdout', 'a1\na'), ['a1']);
  assert.equal(lines.push('stdout', '2\nrest'), ['a2']);
  assert.equal(lines.flush(), [['stdout', 'rest']]);
  assert.equal(splitTimestamp('2024-01-02T03:04:05.123456789Z hello world'), { time: '2024-01-02T03:04:05.123456789Z', line: 'hello world' });
  assert.throws(() => new FrameDecoder().push(Buffer.from([9, 0, 0, 0, 0, 0, 0, 0])), /malformed/);
});

s('list view: exit code and health from the status text; queries', () => {
  const c = summaryFromList({
    Id: 'id', Names: ['/p-web-1'], Image: 'busybox', ImageID: 'sha256:1', Command: 'sh', Created: 0, State: 'exited', Status: 'Exited (2) 3 seconds ago',
    Ports: [{ PrivatePort: 80, Type: 'tcp' }, { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }], Labels: null,
  });
  assert.is(c.name, 'p-web-1');
  assert.is(c.state.exitCode, 2);
  assert.equal(c.ports, [{ hostIp: '0.0.0.0', hostPort: '8080', containerPort: 80, protocol: 'tcp' }]);
  const h = summaryFromList({ Id: 'i', Names: ['/x'], Image: '', ImageID: '', Command: '', Created: 0, State: 'running', Status: 'Up 2 minutes (health: starting)', Ports: [], Labels: {} });
  assert.is(h.state.health?.status, 'starting');
  assert.is(encodeQuery({ all: true, filters: { label: ['a=b'] }, names: ['x', 'y'], t: undefined }), '?all=1&filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D&names=x&names=y');
  assert.equal(splitRef('reg:5000/a/b:v1'), { repo: 'reg:5000/a/b', tag: 'v1' });
  assert.equal(splitRef('reg:5000/a/b'), { repo: 'reg:5000/a/b' });
});

s('.dockerignore: comments, directories, **, ! exceptions, last match wins', () => {
  const p = parseDockerignore('# c\n/node_modules\n*.log\n!keep.log\n**/*.tmp\ndocs/?.md\n!docs/a.md\n[ab].txt\n');
  const ignored = (path: string) => isIgnored(p, path);
  assert.ok(ignored('node_modules'));
  assert.ok(ignored('node_modules/x/y.js'));
  assert.ok(ignored('debug.log'));
  assert.not.ok(ignored('keep.log'));
  assert.not.ok(ignored('sub/debug.log'));
  assert.ok(ignored('a.tmp'));
  assert.ok(ignored('deep/er/b.tmp'));
  assert.ok(ignored('docs/b.md'));
  assert.not.ok(ignored('docs/a.md'));
  assert.not.ok(ignored('docs/ab.md'));
  assert.ok(ignored('a.txt'));
  assert.not.ok(ignored('c.txt'));
  assert.not.ok(ignored('src/index.ts'));
});

s('registry auth: the registry of a reference, the header encoding, config.json auths', async () => {
  assert.is(registryOf('busybox'), 'docker.io');
  assert.is(registryOf('library/busybox:1'), 'docker.io');
  assert.is(registryOf('localhost:5000/a/b'), 'localhost:5000');
  assert.is(registryOf('ghcr.io/o/i@sha256:00'), 'ghcr.io');
  assert.equal(JSON.parse(Buffer.from(encodeAuth({ username: 'u', password: 'p', serveraddress: 'r' }), 'base64url').toString()), { username: 'u', password: 'p', serveraddress: 'r' });
  const dir = mkdtempSync(join(tmpdir(), 'tsc-dockercfg-'));
  try {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { 'reg.example:5000': { auth: Buffer.from('me:se:cret').toString('base64') }, 'https://index.docker.io/v1/': { identitytoken: 'tok' } } }));
    const lookup = configFileAuth({ DOCKER_CONFIG: dir });
    assert.equal(await lookup('reg.example:5000'), { username: 'me', password: 'se:cret', serveraddress: 'reg.example:5000' });
    assert.equal(await lookup('docker.io'), { identitytoken: 'tok', serveraddress: 'https://index.docker.io/v1/' });
    assert.is(await lookup('other.example'), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
