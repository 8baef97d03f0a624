// login/logout, pull, push and pull policies through the built CLI against a
// real registry (docker-registry on loopback): htpasswd Basic auth, a
// credential helper, the Bearer token flow, and `up` picking up a new digest.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { ImageStore } from '../../src/engines/embedded/images/store.js';
import { stopAgent } from '../../src/engines/embedded/agent/ensure.js';
import { importBusybox } from '../fixtures/images/busybox.js';
import { requireHost } from '../host.js';
import { suite } from '../harness.js';
import { missingForEngine } from '../engines/embedded/engine-helpers.js';
import { commitVariant, registryMissing, startRegistry, startTokenServer, TEST_USER } from '../engines/embedded/registry-helpers.js';
import { runCliAsync, type CliResult } from './cli.js';

const s = suite('cli registry');
const { ready, test } = requireHost(s, 'cli registry tests', [...registryMissing(), ...missingForEngine()]);
const dirs: string[] = [];

function tmp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

s.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});


/** A state root with busybox, tagged `ref`. */
async function seededRoot(ref: string): Promise<string> {
  const root = tmp('tsc-regcli-root-');
  const store = new ImageStore({ root });
  await importBusybox(store, 'busybox:latest');
  await store.tag('busybox:latest', ref);
  return root;
}

function cliIn(root: string, dockerConfig: string, extraEnv: Record<string, string> = {}) {
  const cwd = tmp('tsc-regcli-cwd-');
  return (args: string[], input?: string): Promise<CliResult> => runCliAsync(['--root', root, ...args], { cwd, env: { DOCKER_CONFIG: dockerConfig, ...extraEnv }, input });
}

test('htpasswd: unauthorized names where it looked; login stores auths, push and pull work; logout removes them', async () => {
  const reg = await startRegistry({ htpasswd: true });
  try {
    const ref = `${reg.host}/auth/busybox:1`;
    const config = tmp('tsc-dockercfg-');
    const cli = cliIn(await seededRoot(ref), config);
    const denied = await cli(['image', 'push', ref]);
    assert.is.not(denied.code, 0);
    assert.match(denied.stderr, 'unauthorized');
    assert.match(denied.stderr, `no credentials for ${reg.host} in ${join(config, 'config.json')}`);
    const wrong = await cli(['login', reg.host, '-u', TEST_USER.username, '--password-stdin'], 'nope\n');
    assert.is.not(wrong.code, 0);
    assert.match(wrong.stderr, 'refused');
    const login = await cli(['login', reg.host, '-u', TEST_USER.username, '--password-stdin'], `${TEST_USER.password}\n`);
    assert.is(login.code, 0, login.stderr);
    assert.match(login.stdout, 'Login Succeeded');
    const saved = JSON.parse(readFileSync(join(config, 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
    assert.is(Buffer.from(saved.auths[reg.host]!.auth, 'base64').toString(), `${TEST_USER.username}:${TEST_USER.password}`);
    const push = await cli(['image', 'push', ref]);
    assert.is(push.code, 0, push.stderr);
    assert.match(push.stdout, /1: digest: sha256:[0-9a-f]{64} size: \d+/);
    const other = cliIn(tmp('tsc-regcli-root-'), config);
    const pull = await other(['image', 'pull', ref]);
    assert.is(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, `Status: Downloaded newer image for ${ref}`);
    const logout = await cli(['logout', reg.host]);
    assert.match(logout.stdout, `Removing login credentials for ${reg.host}`);
    assert.equal(JSON.parse(readFileSync(join(config, 'config.json'), 'utf8')).auths, {});
    const after = await cliIn(tmp('tsc-regcli-root-'), config)(['image', 'pull', ref]);
    assert.match(after.stderr, 'unauthorized');
  } finally {
    await reg.stop();
  }
});

test('a credential helper of the Docker config gives the credentials', async () => {
  const reg = await startRegistry({ htpasswd: true });
  try {
    const ref = `${reg.host}/helper/busybox:1`;
    const bin = tmp('tsc-helper-bin-');
    const log = join(bin, 'calls.log');
    writeFileSync(join(bin, 'docker-credential-tsctest'), `#!/bin/sh\nread server\necho "$1 $server" >> ${log}\n[ "$1" = get ] && printf '{"ServerURL":"%s","Username":"${TEST_USER.username}","Secret":"${TEST_USER.password}"}' "$server"\nexit 0\n`);
    chmodSync(join(bin, 'docker-credential-tsctest'), 0o755);
    const config = tmp('tsc-dockercfg-');
    writeFileSync(join(config, 'config.json'), JSON.stringify({ credHelpers: { [reg.host]: 'tsctest' } }));
    const env = { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` };
    const push = await cliIn(await seededRoot(ref), config, env)(['image', 'push', ref]);
    assert.is(push.code, 0, push.stderr);
    const pull = await cliIn(tmp('tsc-regcli-root-'), config, env)(['image', 'pull', '-q', ref]);
    assert.is(pull.code, 0, pull.stderr);
    assert.is(pull.stdout, `${ref}\n`);
    assert.match(readFileSync(log, 'utf8'), `get ${reg.host}`);
  } finally {
    await reg.stop();
  }
});

test('Bearer: tokens from the token server, by scope, for the logged-in user', async () => {
  const tokens = await startTokenServer();
  const reg = await startRegistry({ token: tokens });
  try {
    const ref = `${reg.host}/bearer/busybox:1`;
    const config = tmp('tsc-dockercfg-');
    const cli = cliIn(await seededRoot(ref), config);
    const anonymous = await cli(['image', 'push', ref]);
    assert.is.not(anonymous.code, 0, 'anonymous tokens carry pull only');
    const login = await cli(['login', reg.host, '-u', TEST_USER.username, '--password-stdin'], TEST_USER.password);
    assert.is(login.code, 0, login.stderr);
    const push = await cli(['image', 'push', ref]);
    assert.is(push.code, 0, push.stderr);
    assert.ok(tokens.requests.some((r) => r.user === TEST_USER.username && r.scopes.includes('repository:bearer/busybox:pull,push')));
    const pull = await cliIn(tmp('tsc-regcli-root-'), tmp('tsc-dockercfg-'))(['image', 'pull', ref]);
    assert.is(pull.code, 0, pull.stderr);
    assert.ok(tokens.requests.some((r) => r.user === undefined && r.scopes.includes('repository:bearer/busybox:pull')));
  } finally {
    await reg.stop();
    await tokens.stop();
  }
});

test('pull_policy always picks up a new digest: dry-run says image old → new, up recreates that service only', async () => {
  const reg = await startRegistry();
  const seedRoot = tmp('tsc-regcli-seed-');
  const runRoot = tmp('tsc-regcli-run-');
  const project = tmp('tsc-regcli-proj-');
  const webRef = `${reg.host}/app/web:1`;
  const dbRef = `${reg.host}/app/db:1`;
  writeFileSync(join(project, 'compose.yaml'), `name: regup
services:
  web:
    image: ${webRef}
    pull_policy: always
    command: sleep 1000
    stop_signal: SIGKILL
  db:
    image: ${dbRef}
    command: sleep 1000
    stop_signal: SIGKILL
`);
  const env = { DOCKER_CONFIG: tmp('tsc-dockercfg-') };
  const seedCli = (args: string[]) => runCliAsync(['--root', seedRoot, '--progress', 'plain', ...args], { cwd: project, env });
  const run = (args: string[]) => runCliAsync(['--root', runRoot, '--progress', 'plain', ...args], { cwd: project, env });
  const seed = new ImageStore({ root: seedRoot });
  const ids = async () => Object.fromEntries(((await run(['ps', '--format', 'json'])).stdout.trim().split('\n').filter(Boolean))
    .map((l) => JSON.parse(l) as { Service: string; ID: string }).map((c) => [c.Service, c.ID]));
  try {
    await importBusybox(seed, 'busybox:latest');
    await commitVariant(seed, 'busybox:latest', webRef, { env: ['V=1'] });
    await commitVariant(seed, 'busybox:latest', dbRef, { env: ['DB=1'] });
    const pushed = await seedCli(['push']);
    assert.is(pushed.code, 0, pushed.stderr);
    assert.match(pushed.stderr, ' web Pushed');

    const up = await run(['up', '-d']);
    assert.is(up.code, 0, up.stderr);
    assert.match(up.stderr, ' web Pulled');
    assert.match(up.stderr, ' db Pulled');
    const before = await ids();

    const oldId = (await seed.inspect(webRef))!.id;
    const newId = await commitVariant(seed, 'busybox:latest', webRef, { env: ['V=2'] });
    assert.is((await seedCli(['push', 'web'])).code, 0);
    assert.is((await run(['pull', 'web'])).code, 0);
    const dry = await run(['--dry-run', 'up', '-d']);
    assert.match(dry.stdout, `Container regup-web-1  Recreate, Start\n    image: ${oldId} → ${newId}\n`);
    assert.match(dry.stdout, 'Container regup-db-1  Running');

    const newer = await commitVariant(seed, 'busybox:latest', webRef, { env: ['V=3'] });
    assert.is((await seedCli(['push', 'web'])).code, 0);
    const again = await run(['up', '-d']);
    assert.is(again.code, 0, again.stderr);
    const after = await ids();
    assert.is.not(after.web, before.web, 'web recreated');
    assert.is(after.db, before.db, 'db left alone');
    const inspect = JSON.parse((await run(['inspect', 'web'])).stdout) as Array<{ Image: string }>;
    assert.is(inspect[0]!.Image, newer);
  } finally {
    await run(['down', '-t', '0']);
    await stopAgent(runRoot).catch(() => undefined);
    await reg.stop();
  }
});

test('build pulls a FROM image the store lacks, and build --push pushes the built image', async () => {
  const reg = await startRegistry();
  try {
    const base = `${reg.host}/base/busybox:1`;
    const built = `${reg.host}/built/app:1`;
    const config = tmp('tsc-dockercfg-');
    const seeded = await cliIn(await seededRoot(base), config)(['image', 'push', base]);
    assert.is(seeded.code, 0, seeded.stderr);
    const root = tmp('tsc-regcli-root-');
    const project = tmp('tsc-regcli-build-');
    writeFileSync(join(project, 'compose.yaml'), [
      'services:',
      '  app:',
      `    image: ${built}`,
      '    build:',
      '      context: .',
      `      dockerfile_inline: "FROM ${base}\\nRUN echo from-build > /made\\n"`,
      '',
    ].join('\n'));
    const build = await runCliAsync(['--root', root, 'build', '--push'], { cwd: project, env: { DOCKER_CONFIG: config } });
    assert.is(build.code, 0, build.stderr);
    const pulledBase = await runCliAsync(['--root', root, 'image', 'inspect', base], { cwd: project, env: { DOCKER_CONFIG: config } });
    assert.is(pulledBase.code, 0, pulledBase.stderr);
    // A fresh store gets the built image from the registry, with the RUN step's file.
    const other = tmp('tsc-regcli-root-');
    const pulled = await runCliAsync(['--root', other, 'image', 'pull', built], { cwd: project, env: { DOCKER_CONFIG: config } });
    assert.is(pulled.code, 0, pulled.stderr);
    const store = new ImageStore({ root: other });
    const image = await store.inspect(built);
    assert.ok(image, 'the pushed image is in the registry');
    assert.is(image!.rootfs.diff_ids.length, (await new ImageStore({ root }).inspect(base))!.rootfs.diff_ids.length + 1);
  } finally {
    await reg.stop();
  }
});

s.run();
