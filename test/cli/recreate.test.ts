// Recreating containers as Docker Compose does: the new container is made
// under `<old id[:12]>_<name>` while the old one runs, then takes its name; a
// new container that cannot be made leaves the old one running, untouched.
// The built CLI against real containers in a temporary state root.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { requireHost } from '../host.js';
import { missingForEngine } from '../engines/embedded/engine-helpers.js';
import type { TestEngine } from '../engines/embedded/engine-helpers.js';
import { listNames } from '../../src/engines/embedded/state/name-index.js';
import { openStateRoot } from '../../src/engines/embedded/state/root.js';
import { runCli, succeeded } from './cli.js';
import type { CliResult } from './cli.js';
import { downProject, openProject, type ProjectFixture } from './project-fixture.js';

const s = suite('cli recreate');
const { ready, test } = requireHost(s, 'cli recreate tests', missingForEngine());
let t: TestEngine | undefined;
let dir = '';
let fixture: ProjectFixture | undefined;

const compose = (bExtra = '') => `
name: rec
services:
  a:
    image: busybox
    command: sleep 1000
    stop_signal: SIGKILL
  b:
    image: busybox
    command: sleep 1000
    stop_signal: SIGKILL
${bExtra}`;

function cli(...args: string[]): CliResult {
  return runCli(['--progress', 'plain', ...args], { cwd: dir, env: { TSCOMPOSE_ROOT: t!.root } });
}

function ok(...args: string[]): CliResult {
  return succeeded(args, cli(...args));
}

interface Seen { id: string; status: string; number: string | undefined }

/** Every container of the state root by name (the project's and anything else), and every claimed name. */
async function everything(): Promise<{ containers: Record<string, Seen>; names: string[] }> {
  const containers: Record<string, Seen> = {};
  for (const c of await t!.engine.containers.list({ all: true })) {
    containers[c.name] = { id: c.id, status: c.state.status, number: c.labels['com.docker.compose.container-number'] };
  }
  return { containers, names: listNames(openStateRoot(t!.root)).map((n) => n.name).sort() };
}

const TEMP = /^[0-9a-f]{12}_/;

s.before(async () => {
  if (!ready) return;
  fixture = await openProject('tsc-rec-', { 'compose.yaml': compose() });
  t = fixture.t;
  dir = fixture.dir;
});

s.after(() => downProject(fixture));

test('--force-recreate replaces the container: same name and number, new id, nothing left under a temporary name', async () => {
  ok('up', '-d');
  const before = (await everything()).containers;
  const r = ok('up', '-d', '--force-recreate', 'b');
  assert.match(r.stderr, ' Container rec-b-1  Recreated');
  const after = await everything();
  assert.equal(Object.keys(after.containers).sort(), ['rec-a-1', 'rec-b-1']);
  assert.is.not(after.containers['rec-b-1']!.id, before['rec-b-1']!.id);
  assert.equal({ ...after.containers['rec-b-1'], id: '' }, { id: '', status: 'running', number: '1' });
  assert.is(after.containers['rec-a-1']!.id, before['rec-a-1']!.id, 'a is not touched');
  assert.equal(after.names, ['rec-a-1', 'rec-b-1']);
  const details = await t!.engine.containers.inspect('rec-b-1');
  assert.is(details?.labels['com.docker.compose.replace'], before['rec-b-1']!.id);
  // Its DNS names were made with its final name: a reaches it as rec-b-1 and as b.
  const ip = details?.network?.networks.rec_default?.ipAddress;
  assert.ok(ip);
  for (const name of ['rec-b-1', 'b']) assert.match(ok('exec', '-T', 'a', 'nslookup', '-type=a', name).stdout, `Address: ${ip}`);
});

test('a recreate whose new container cannot be created leaves the old one running, with a clear error', async () => {
  const before = (await everything()).containers;
  const missing = join(dir, 'missing');
  writeFileSync(join(dir, 'compose.yaml'), compose(`    volumes:\n      - { type: bind, source: ./missing, target: /m, bind: { create_host_path: false } }\n`));
  const plan = ok('--dry-run', 'up', '-d');
  assert.match(plan.stdout, /^Container rec-b-1 {2}Recreate, Start\n {4}volumes/m);
  const r = cli('up', '-d');
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, `rec-b-1 was not recreated (the old container is kept): invalid mount config for type "bind": bind source path does not exist: ${missing}\n`);
  assert.not.match(r.stderr, /internal error|\n\s+at /);
  const after = await everything();
  assert.equal(after.containers, before, 'same containers, same ids, still running');
  assert.equal(after.names, ['rec-a-1', 'rec-b-1']);
  assert.not.ok(Object.keys(after.containers).some((n) => TEMP.test(n)));
  // Fixed, the next up recreates it.
  writeFileSync(join(dir, 'compose.yaml'), compose());
  ok('up', '-d');
  assert.equal(Object.keys((await everything()).containers).sort(), ['rec-a-1', 'rec-b-1']);
});

test('rename of a running container: its DNS names follow, the old name is free', async () => {
  const b = (await t!.engine.containers.inspect('rec-b-1'))!;
  const ip = b.network?.networks.rec_default?.ipAddress;
  await t!.engine.containers.rename(b.id, 'rec-renamed');
  try {
    assert.match(ok('exec', '-T', 'a', 'nslookup', '-type=a', 'rec-renamed').stdout, `Address: ${ip}`);
    assert.is.not(cli('exec', '-T', 'a', 'nslookup', '-type=a', 'rec-b-1').code, 0, 'the old name is gone from DNS');
    assert.match(ok('exec', '-T', 'a', 'nslookup', '-type=a', 'b').stdout, `Address: ${ip}`, 'the service name stays');
    assert.equal((await t!.engine.containers.inspect(b.id))?.network?.networks.rec_default?.dnsNames.includes('rec-renamed'), true);
    assert.is((await t!.engine.containers.inspect('rec-renamed'))?.id, b.id);
    assert.is(await t!.engine.containers.inspect('rec-b-1'), undefined);
  } finally {
    await t!.engine.containers.rename(b.id, 'rec-b-1');
  }
});

test('down removes everything', async () => {
  ok('down', '-t', '0');
  assert.equal(await everything(), { containers: {}, names: [] });
});

s.run();
