// ps, ls, images, top, port, inspect, cp against real containers in a temporary state root.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { missingForEngine } from '../engines/embedded/engine-helpers.js';
import { suite } from '../harness.js';
import { requireHost } from '../host.js';
import { closeStack, composeSpec, openStack, PROJECT, run, type Stack } from './ps-fixture.js';

const s = suite('ps and friends (cli)');
const gate = requireHost(s, 'ps cli integration tests', missingForEngine());
const ready = gate.ready;
let stack: Stack | undefined;
let webId = '';
let jobId = '';

s.before(async () => {
  if (!ready) return;
  stack = await openStack();
  webId = await run(stack, composeSpec('web', 1, {
    command: ['sh', '-c', 'echo ready > /tmp/state; while true; do sleep 1; done'],
    ports: [{ containerPort: 80, hostPort: '8080', protocol: 'tcp' }],
    env: { GREETING: 'hi' },
  }));
  jobId = await run(stack, composeSpec('job', 1, { command: ['sh', '-c', 'exit 3'] }));
  await stack.engine.containers.wait(jobId);
});

s.after(async () => {
  await closeStack(stack);
});

const test = (name: string, fn: (st: Stack) => Promise<void> | void) => gate.test(name, async () => {
  await fn(stack!);
});

test('ps: running only, table layout', ({ cli }) => {
  const r = cli('ps');
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(lines[0]!, /^NAME +IMAGE +COMMAND +SERVICE +CREATED +STATUS +PORTS$/);
  assert.is(lines.length, 3, r.stdout);
  assert.match(lines[1]!, new RegExp(`^${PROJECT}-web-1 +busybox:latest +"sh -c 'echo ready >…" +web +\\S.* ago +Up .+ +0\\.0\\.0\\.0:8080->80/tcp$`));
});

test('ps -a: exited with its code, sorted by name; -q; --services; --status', ({ cli }) => {
  const lines = cli('ps', '-a').stdout.trimEnd().split('\n');
  assert.is(lines.length, 3);
  assert.match(lines[1]!, new RegExp(`^${PROJECT}-job-1 .* Exited \\(3\\) .* ago`));
  assert.match(lines[2]!, new RegExp(`^${PROJECT}-web-1 `));
  assert.is(cli('ps', '-q').stdout, `${webId}\n`);
  assert.is(cli('ps', '-a', '--services').stdout, 'job\nweb\n');
  assert.is(cli('ps', '--status', 'exited', '-q').stdout, `${jobId}\n`);
  assert.is(cli('ps', '--filter', 'status=running', '-q').stdout, `${webId}\n`);
  assert.is(cli('ps', '-a', '-q', 'job').stdout, `${jobId}\n`);
  const bad = cli('ps', 'nope');
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /no such service: nope/);
});

test('ps --format json: one object per line, compose keys, restart count and exit code', ({ cli }) => {
  const r = cli('ps', '-a', '--format', 'json');
  assert.is(r.code, 0, r.stderr);
  const rows = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.is(rows.length, 2);
  const [job, web] = rows;
  assert.is(job!.State, 'exited');
  assert.is(job!.ExitCode, 3);
  assert.is(job!.RestartCount, 0);
  assert.is(web!.Service, 'web');
  assert.is(web!.Project, PROJECT);
  assert.is(web!.ID, webId.slice(0, 12));
  assert.equal(web!.Publishers, [{ URL: '0.0.0.0', TargetPort: 80, PublishedPort: 8080, Protocol: 'tcp' }]);
  assert.match(String(web!.Status), /^Up /);
});

test('ps --format TEMPLATE and table TEMPLATE, as Docker Compose scripts use them', ({ cli }) => {
  assert.is(cli('ps', '-a', '--format', '{{.Name}} {{.State}} {{.ExitCode}}').stdout, `${PROJECT}-job-1 exited 3\n${PROJECT}-web-1 running 0\n`);
  assert.is(cli('ps', '--format', 'table {{.Service}}\\t{{.Publishers}}').stdout, 'SERVICE   PUBLISHERS\nweb       [{0.0.0.0 80 8080 tcp}]\n');
  const bad = cli('ps', '--format', '{{.Nope}}');
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /^template: can't evaluate field Nope in type api\.ContainerSummary\n$/);
});

test('ls: projects by label, with combined status', ({ cli }) => {
  const r = cli('ls', '-a');
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`\\n${PROJECT} +exited\\(1\\), running\\(1\\) +/srv/demo/compose.yaml\\n`));
  assert.match(cli('ls').stdout, new RegExp(`\\n${PROJECT} +running\\(1\\) `));
  assert.is(cli('ls', '-q', '--filter', `name=${PROJECT}`).stdout, `${PROJECT}\n`);
});

test('images: the containers\' images', ({ cli }) => {
  const r = cli('images');
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^CONTAINER +REPOSITORY +TAG +IMAGE ID +SIZE$/);
  assert.match(lines[1]!, new RegExp(`^${PROJECT}-job-1 +busybox +latest +[0-9a-f]{12} +[0-9.]+MB$`));
});

test('top: a section per running container', ({ cli }) => {
  const r = cli('top');
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.is(lines[0], `${PROJECT}-web-1`);
  assert.match(lines[1]!, /^UID +PID +PPID +C +STIME +TTY +TIME +CMD/);
  assert.match(r.stdout, /sleep 1|while true/);
});

test('port: the published address; a missing one is an error', ({ cli }) => {
  const r = cli('port', 'web', '80');
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '0.0.0.0:8080\n');
  const missing = cli('port', 'web', '81');
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /no port 81\/tcp/);
  const stopped = cli('port', 'job', '80');
  assert.is(stopped.code, 1);
  assert.match(stopped.stderr, /service "job" is not running/);
});

test('inspect: docker inspect shape', ({ cli }) => {
  const r = cli('inspect', 'web');
  assert.is(r.code, 0, r.stderr);
  const [c] = JSON.parse(r.stdout) as Array<Record<string, any>>;
  assert.is(c!.Id, webId);
  assert.is(c!.Name, `/${PROJECT}-web-1`);
  assert.is(c!.Path, 'sh');
  assert.is(c!.State.Status, 'running');
  assert.is(c!.State.Running, true);
  assert.ok(c!.State.Pid > 0);
  assert.is(c!.RestartCount, 0);
  assert.is(c!.Config.Image, 'busybox:latest');
  assert.ok((c!.Config.Env as string[]).includes('GREETING=hi'));
  assert.ok((c!.Config.Env as string[]).some((e) => e.startsWith('PATH=')));
  assert.is(c!.Config.Labels['com.docker.compose.service'], 'web');
  assert.equal(c!.HostConfig.PortBindings, { '80/tcp': [{ HostIp: '', HostPort: '8080' }] });
  assert.ok('NetworkSettings' in c! && 'Mounts' in c!);
  const job = JSON.parse(cli('inspect', 'job').stdout)[0];
  assert.is(job.State.Status, 'exited');
  assert.is(job.State.ExitCode, 3);
});

test('cp: host to container and back', ({ cli, root }) => {
  const src = join(root, 'cp-in.txt');
  writeFileSync(src, 'copied in\n');
  const into = cli('cp', src, 'web:/tmp/cp-in.txt');
  assert.is(into.code, 0, into.stderr);
  const outDir = join(root, 'cp-out');
  mkdirSync(outDir);
  const back = cli('cp', 'web:/tmp/cp-in.txt', join(outDir, 'back.txt'));
  assert.is(back.code, 0, back.stderr);
  assert.is(readFileSync(join(outDir, 'back.txt'), 'utf8'), 'copied in\n');
  const state = cli('cp', 'web:/tmp/state', outDir);
  assert.is(state.code, 0, state.stderr);
  assert.ok(existsSync(join(outDir, 'state')));
  assert.is(readFileSync(join(outDir, 'state'), 'utf8'), 'ready\n');
});

test('wait: prints the exit code and exits with it', ({ cli }) => {
  const r = cli('wait', 'job');
  assert.is(r.code, 3, r.stderr);
  assert.is(r.stdout, `container "${jobId}" exited with status code 3\n`);
});

s.run();
