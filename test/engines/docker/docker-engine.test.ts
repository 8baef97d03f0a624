// The Docker backend against a real dockerd of the test's own: containers,
// logs (multiplexed), exec, wait, top, cp, images, networks, volumes, lock.
import { execFileSync } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync, existsSync, symlinkSync } from 'node:fs';
import { createDockerEngine } from '../../../src/engines/docker/engine.js';
import { parseDockerHost, resolveDockerEndpoint } from '../../../src/engines/docker/host.js';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import * as assert from 'uvu/assert';
import type { ContainerSpec } from '../../../src/engine/types.js';
import { rejects } from '../embedded/engine-helpers.js';
import { dockerSuite, type DockerTestContext } from './docker-helpers.js';

const { s, test } = dockerSuite('docker engine');

let n = 0;
function spec(partial: Partial<ContainerSpec> = {}): ContainerSpec {
  return { name: `tscd-${process.pid}-${++n}`, image: 'busybox:latest', labels: {}, env: {}, ...partial };
}

function sink() {
  let text = '';
  return { stream: new Writable({ write(c, _e, cb) { text += c.toString(); cb(); } }), text: () => text };
}

async function run(t: DockerTestContext, partial: Partial<ContainerSpec>) {
  const id = await t.engine.containers.create(spec(partial));
  await t.engine.containers.start(id);
  const code = await t.engine.containers.wait(id);
  const lines: Array<{ stream: string; line: string; time: string }> = [];
  for await (const e of t.engine.containers.logs(id)) lines.push(e);
  return { id, code, lines };
}

test('run to end: exit code, logs demultiplexed per stream with timestamps, labels', async (t) => {
  const r = await run(t, { command: ['sh', '-c', 'echo out1; echo err1 >&2; printf "no newline"; exit 3'], labels: { 'com.docker.compose.project': 'p' } });
  assert.is(r.code, 3);
  const out = r.lines.filter((l) => l.stream === 'stdout').map((l) => l.line);
  const err = r.lines.filter((l) => l.stream === 'stderr').map((l) => l.line);
  assert.equal(out, ['out1', 'no newline']);
  assert.equal(err, ['err1']);
  assert.match(r.lines[0]!.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);
  const d = await t.engine.containers.inspect(r.id);
  assert.is(d?.state.status, 'exited');
  assert.is(d?.state.exitCode, 3);
  assert.is(d?.labels['com.docker.compose.project'], 'p');
  const listed = await t.engine.containers.list({ all: true, labels: { 'com.docker.compose.project': 'p' } });
  assert.equal(listed.map((c) => c.id), [r.id]);
  assert.is(listed[0]!.state.exitCode, 3);
  await t.engine.containers.remove(r.id);
  assert.is(await t.engine.containers.inspect(r.id), undefined);
});

test('env, entrypoint, working dir, user', async (t) => {
  const r = await run(t, {
    entrypoint: ['sh', '-c'], command: ['echo "$A|$(pwd)|$(id -u)"'], env: { A: 'a=1' }, workingDir: '/tmp', user: '65534',
  });
  assert.equal(r.lines.map((l) => l.line), ['a=1|/tmp|65534']);
  await t.engine.containers.remove(r.id);
});

test('exec: stdout/stderr apart, exit code, stdin, env and tty', async (t) => {
  const id = await t.engine.containers.create(spec({ command: ['sleep', '1000'], stopSignal: 'SIGKILL' }));
  await t.engine.containers.start(id);
  const out = sink();
  const err = sink();
  const code = await t.engine.containers.exec(id, { cmd: ['sh', '-c', 'echo o; echo e >&2; exit 5'] }, { stdout: out.stream, stderr: err.stream });
  assert.is(code, 5);
  assert.is(out.text(), 'o\n');
  assert.is(err.text(), 'e\n');
  const stdin = new PassThrough();
  const echoed = sink();
  const running = t.engine.containers.exec(id, { cmd: ['sh', '-c', 'tr a-z A-Z; echo "$X"'], interactive: true, env: { X: 'x!' } }, { stdin, stdout: echoed.stream, stderr: err.stream });
  stdin.end('hello\n');
  assert.is(await running, 0);
  assert.is(echoed.text(), 'HELLO\nx!\n');
  const tty = sink();
  assert.is(await t.engine.containers.exec(id, { cmd: ['sh', '-c', 'tty >/dev/null && echo is-tty'], tty: true }, { stdout: tty.stream, stderr: tty.stream }), 0);
  assert.match(tty.text(), /is-tty/);
  const top = await t.engine.containers.top(id);
  assert.ok(top.titles.includes('PID'));
  assert.ok(top.processes.some((p) => p.join(' ').includes('sleep 1000')));
  await t.engine.containers.pause(id);
  assert.is((await t.engine.containers.inspect(id))?.state.status, 'paused');
  await t.engine.containers.unpause(id);
  await t.engine.containers.kill(id, 'SIGKILL');
  assert.is(await t.engine.containers.wait(id), 137);
  await t.engine.containers.remove(id);
});

test('follow logs until the container exits; tail', async (t) => {
  const id = await t.engine.containers.create(spec({ command: ['sh', '-c', 'for i in 1 2 3; do echo line$i; sleep 0.2; done'] }));
  await t.engine.containers.start(id);
  const seen: string[] = [];
  for await (const e of t.engine.containers.logs(id, { follow: true })) seen.push(e.line);
  assert.equal(seen, ['line1', 'line2', 'line3']);
  const tail: string[] = [];
  for await (const e of t.engine.containers.logs(id, { tail: 1 })) tail.push(e.line);
  assert.equal(tail, ['line3']);
  await t.engine.containers.remove(id, { force: true });
});

test('cp both ways: into a directory, to a new name, a tree out; a missing path is a clear error', async (t) => {
  const id = await t.engine.containers.create(spec({ command: ['sleep', '1000'], stopSignal: 'SIGKILL' }));
  await t.engine.containers.start(id);
  const dir = mkdtempSync(join(t.dockerd.dir, 'cp-'));
  writeFileSync(join(dir, 'a.txt'), 'A');
  mkdirSync(join(dir, 'tree'));
  writeFileSync(join(dir, 'tree', 'b.txt'), 'B');
  symlinkSync('b.txt', join(dir, 'tree', 'link'));
  await t.engine.containers.copyTo(id, join(dir, 'a.txt'), '/tmp');
  await t.engine.containers.copyTo(id, join(dir, 'a.txt'), '/tmp/renamed.txt');
  await t.engine.containers.copyTo(id, join(dir, 'tree'), '/tmp/tree');
  const out = sink();
  await t.engine.containers.exec(id, { cmd: ['sh', '-c', 'cat /tmp/a.txt /tmp/renamed.txt /tmp/tree/b.txt; readlink /tmp/tree/link'] }, { stdout: out.stream, stderr: out.stream });
  assert.is(out.text(), 'AAB' + 'b.txt\n');
  const back = join(dir, 'back');
  await t.engine.containers.copyFrom(id, '/tmp/tree', back);
  assert.is(readFileSync(join(back, 'b.txt'), 'utf8'), 'B');
  await t.engine.containers.copyFrom(id, '/tmp/a.txt', dir + '/');
  assert.ok(existsSync(join(dir, 'a.txt')));
  await rejects(t.engine.containers.copyFrom(id, '/nope', join(dir, 'x')), /Could not find the file \/nope/);
  await t.engine.containers.remove(id, { force: true });
});

test('watch sync: files into the container owned by its user (missing directories made), gone files removed', async (t) => {
  const id = await t.engine.containers.create(spec({ command: ['sleep', '1000'], stopSignal: 'SIGKILL', user: 'nobody' }));
  await t.engine.containers.start(id);
  const dir = mkdtempSync(join(t.dockerd.dir, 'sync-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'a.txt'), 'A');
  chmodSync(join(dir, 'src', 'a.txt'), 0o640);
  const copied = await t.engine.containers.syncFiles(id, [{ hostPath: join(dir, 'src'), containerPath: '/tmp/app/src' }]);
  assert.equal(copied, { copied: 1, deleted: 0 });
  const out = sink();
  await t.engine.containers.exec(id, { cmd: ['sh', '-c', 'cat /tmp/app/src/a.txt; stat -c " %u %a" /tmp/app/src/a.txt'] }, { stdout: out.stream, stderr: out.stream });
  assert.is(out.text(), 'A 65534 640\n');
  const removed = await t.engine.containers.syncFiles(id, [{ hostPath: join(dir, 'gone.txt'), containerPath: '/tmp/app/src/a.txt' }]);
  assert.equal(removed, { copied: 0, deleted: 1 });
  const after = sink();
  const code = await t.engine.containers.exec(id, { cmd: ['test', '-e', '/tmp/app/src/a.txt'] }, { stdout: after.stream, stderr: after.stream });
  assert.is(code, 1);
  await t.engine.containers.remove(id, { force: true });
});

test('networks, aliases and DNS between containers, volumes with labels', async (t) => {
  const net = await t.engine.networks.create({ name: `tscdnet${n}`, labels: { 'com.docker.compose.project': 'netp' } });
  assert.is(net.driver, 'bridge');
  assert.ok(net.subnets.length > 0);
  assert.equal((await t.engine.networks.list({ labels: { 'com.docker.compose.project': 'netp' } })).map((x) => x.name), [net.name]);
  const vol = await t.engine.volumes.create({ name: `tscdvol${n}`, labels: { 'com.docker.compose.volume': 'v' } });
  assert.is((await t.engine.volumes.inspect(vol.name))?.labels['com.docker.compose.volume'], 'v');
  const server = await t.engine.containers.create(spec({
    command: ['sh', '-c', 'echo from-volume > /v/f; mkdir /www; echo served > /www/index.html; httpd -f -p 80 -h /www'],
    networks: { [net.name]: { aliases: ['srv'] } }, networkMode: net.name, mounts: [{ type: 'volume', source: vol.name, target: '/v' }], stopSignal: 'SIGKILL',
  }));
  await t.engine.containers.start(server);
  const r = await run(t, { command: ['sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://srv/ && cat /v/f && exit 0; sleep 0.3; done; exit 1'], networks: { [net.name]: {} }, networkMode: net.name, mounts: [{ type: 'volume', source: vol.name, target: '/v', readOnly: true }] });
  assert.is(r.code, 0, r.lines.map((l) => l.line).join('\n'));
  assert.equal(r.lines.map((l) => l.line), ['served', 'from-volume']);
  const details = await t.engine.containers.inspect(server);
  assert.ok(details?.network?.networks[net.name]?.ipAddress);
  await t.engine.containers.remove(server, { force: true });
  await t.engine.containers.remove(r.id);
  await t.engine.volumes.remove(vol.name);
  await t.engine.networks.remove(net.name);
  assert.is(await t.engine.networks.inspect(net.name), undefined);
  assert.is(await t.engine.volumes.inspect(vol.name), undefined);
});

test('images: inspect, tag, save and load back, remove', async (t) => {
  const img = await t.engine.images.inspect('busybox:latest');
  assert.ok(img?.id.startsWith('sha256:'));
  assert.is(img?.os, 'linux');
  await t.engine.images.tag('busybox:latest', 'tsc/other:v1');
  assert.ok((await t.engine.images.list()).some((i) => i.repoTags.includes('tsc/other:v1')));
  const file = join(t.dockerd.dir, 'saved.tar');
  await t.engine.images.save(['tsc/other:v1'], file);
  const removed = await t.engine.images.remove('tsc/other:v1');
  assert.ok(removed.includes('Untagged: tsc/other:v1'));
  assert.equal(await t.engine.images.load(file), ['tsc/other:v1']);
  await t.engine.images.remove('tsc/other:v1');
  await rejects(t.engine.images.remove('tsc/none:x'), /No such image: tsc\/none:x/);
});

test('lockProject serializes commands of this machine on one project', async (t) => {
  const release = await t.engine.lockProject('lockp', 'up');
  const told: string[] = [];
  const second = t.engine.lockProject('lockp', 'down', { timeoutMs: 200, onWait: (m) => told.push(m) });
  await rejects(second, /project "lockp" is busy: "up"/);
  assert.is(told.length, 1);
  await release();
  const again = await t.engine.lockProject('lockp', 'down');
  await again();
});

test('an unsupported key is refused before anything is created', async (t) => {
  await rejects(t.engine.containers.create(spec({ healthcheck: { test: ['CMD', 'true'], startIntervalMs: 1000 } })), /healthcheck.start_interval is not supported on the Docker engine/);
});

/** A CA, a server certificate for 127.0.0.1 and a client certificate, as DOCKER_CERT_PATH holds them. */
function makeCerts(dir: string, name = 'ca'): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.pem`, '-days', '1', '-subj', `/CN=${name}`);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  for (const who of ['server', 'key']) {
    const base = who === 'server' ? 'server' : 'client';
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${base}-key.pem`, '-out', `${base}.csr`, '-subj', `/CN=${base}`);
    ssl('x509', '-req', '-in', `${base}.csr`, '-CA', `${name}.pem`, '-CAkey', `${name}-key.pem`, '-CAcreateserial', '-out', `${base}.pem`, '-days', '1', ...(who === 'server' ? ['-extfile', 'ext.cnf'] : []));
  }
  execFileSync('cp', [join(dir, 'client.pem'), join(dir, 'cert.pem')]);
  execFileSync('cp', [join(dir, 'client-key.pem'), join(dir, 'key.pem')]);
}

test('tcp:// with TLS (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH): calls and exec through a TLS endpoint; a wrong CA is refused', async (t) => {
  const certs = mkdtempSync(join(t.dockerd.dir, 'certs-'));
  makeCerts(certs);
  const open = new Set<{ destroy: () => void }>();
  // The daemon's TLS endpoint: a TLS terminator on 127.0.0.1 in front of its socket, requiring client certificates.
  const server = createTlsServer({
    key: readFileSync(join(certs, 'server-key.pem')), cert: readFileSync(join(certs, 'server.pem')), ca: readFileSync(join(certs, 'ca.pem')),
    requestCert: true, rejectUnauthorized: true, allowHalfOpen: true,
  }, (tls) => {
    const up = netConnect(t.dockerd.socket);
    open.add(tls).add(up);
    tls.on('data', (d: Buffer) => up.write(d));
    tls.on('end', () => up.end());
    up.on('data', (d: Buffer) => tls.write(d));
    up.on('end', () => tls.end());
    tls.on('error', () => up.destroy());
    up.on('error', () => tls.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const env = { DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs };
  const tlsEngine = createDockerEngine({ endpoint: resolveDockerEndpoint({ env, configDir: certs }), lockDir: join(certs, 'locks') });
  const wrongDir = mkdtempSync(join(t.dockerd.dir, 'wrong-'));
  makeCerts(wrongDir, 'ca');
  const wrong = createDockerEngine({ endpoint: resolveDockerEndpoint({ env: { ...env, DOCKER_CERT_PATH: wrongDir }, configDir: wrongDir }), lockDir: join(wrongDir, 'locks') });
  try {
    const id = await tlsEngine.containers.create(spec({ command: ['sleep', '1000'], stopSignal: 'SIGKILL' }));
    await tlsEngine.containers.start(id);
    const out = sink();
    assert.is(await tlsEngine.containers.exec(id, { cmd: ['echo', 'over-tls'] }, { stdout: out.stream, stderr: out.stream }), 0);
    assert.is(out.text(), 'over-tls\n');
    await tlsEngine.containers.remove(id, { force: true });
    await rejects(wrong.containers.list(), /cannot connect to the Docker daemon at tcp:\/\/127\.0\.0\.1:\d+: .*(certificate|self.signed|verify)/i);
  } finally {
    await tlsEngine.close();
    await wrong.close();
    // Keep-alive connections stay open on the server's side: they go, and close does not wait for them.
    server.close();
    for (const c of open) c.destroy();
  }
});

test('ssh://: the system ssh runs `docker system dial-stdio` (here a stand-in ssh that runs it locally); exec over it', async (t) => {
  const bin = mkdtempSync(join(t.dockerd.dir, 'sshbin-'));
  // Records its arguments, then runs what follows the host, as ssh would on the remote machine.
  writeFileSync(join(bin, 'ssh'), `#!/bin/sh\necho "$@" >> ${bin}/argv\nwhile [ "$1" != "--" ]; do shift; done\nshift 2\nDOCKER_HOST=${t.dockerd.host} exec "$@"\n`);
  chmodSync(join(bin, 'ssh'), 0o755);
  const oldPath = process.env.PATH;
  process.env.PATH = `${bin}:${oldPath}`;
  const remote = createDockerEngine({ endpoint: parseDockerHost('ssh://ops@box:2222'), lockDir: join(bin, 'locks') });
  try {
    const r = await remote.containers.create(spec({ command: ['sh', '-c', 'echo over-ssh'] }));
    await remote.containers.start(r);
    assert.is(await remote.containers.wait(r), 0);
    const lines: string[] = [];
    for await (const e of remote.containers.logs(r)) lines.push(e.line);
    assert.equal(lines, ['over-ssh']);
    await remote.containers.remove(r, { force: true });
    const sleeper = await remote.containers.create(spec({ command: ['sleep', '1000'], stopSignal: 'SIGKILL' }));
    await remote.containers.start(sleeper);
    const out = sink();
    const stdin = new PassThrough();
    const code = remote.containers.exec(sleeper, { cmd: ['sh', '-c', 'cat; exit 4'], interactive: true }, { stdin, stdout: out.stream, stderr: out.stream });
    stdin.end('through the tunnel\n');
    assert.is(await code, 4);
    assert.is(out.text(), 'through the tunnel\n');
    await remote.containers.remove(sleeper, { force: true });
    assert.match(readFileSync(join(bin, 'argv'), 'utf8'), /^-o ConnectTimeout=30 -T -l ops -p 2222 -- box docker system dial-stdio$/m);
  } finally {
    process.env.PATH = oldPath;
    await remote.close();
  }
});

s.run();
