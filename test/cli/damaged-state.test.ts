// A damaged container record, as a user meets it: the container keeps running
// and its network, is listed as damaged, and `up`/`down` clear it.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { readRecord } from '../../src/engines/embedded/state/containers.js';
import { mountsUnder } from '../../src/engines/embedded/snapshots/mount.js';
import { lookupName } from '../../src/engines/embedded/state/name-index.js';
import { isAlive } from '../../src/engines/embedded/state/process-ref.js';
import { openStateRoot } from '../../src/engines/embedded/state/root.js';
import { missingForEngine } from '../engines/embedded/engine-helpers.js';
import { suite } from '../harness.js';
import { requireHost } from '../host.js';
import { downProject, upProject, type ProjectFixture } from './project-fixture.js';

const s = suite('damaged state (cli)');
const gate = requireHost(s, 'damaged state integration tests', missingForEngine());
const PROJECT = `tscdmg${process.pid}`;
const COMPOSE = 'services:\n  web:\n    image: busybox\n    command: ["sleep", "3600"]\n';

/** The project's web container: full id and its process. */
function webOf(f: ProjectFixture): { id: string; pid: number; dir: string } {
  const id = f.cli('ps', '-q').stdout.trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  const record = readRecord(openStateRoot(f.t.root), id)!;
  assert.ok(record.state.pid > 0);
  return { id, pid: record.state.pid, dir: record.dir };
}

/** The interfaces of the network namespace `pid` is in. */
const interfacesOf = (pid: number) => readFileSync(`/proc/${pid}/net/dev`, 'utf8');

gate.test('a truncated config.json: quarantined once, the container keeps running and its network, `up` recreates it', async () => {
  let f: ProjectFixture | undefined;
  try {
    f = await upProject('tsc-damaged-', { 'compose.yaml': COMPOSE }, { COMPOSE_PROJECT_NAME: PROJECT });
    const web = webOf(f);
    assert.match(interfacesOf(web.pid), /eth0:/);
    const config = join(web.dir, 'config.json');
    writeFileSync(config, readFileSync(config, 'utf8').slice(0, 40));

    const ps = f.cli('ps');
    assert.is(ps.code, 0, ps.stderr);
    assert.match(ps.stdout, new RegExp(`${PROJECT}-web-1 .* Damaged \\(running\\)`));
    const quarantined = join(f.t.root, 'quarantine', 'containers', web.id, 'config.json');
    assert.ok(ps.stderr.includes(`${config}: invalid JSON`), ps.stderr);
    assert.ok(ps.stderr.includes(`moved it to ${quarantined}`), ps.stderr);
    assert.not.match(ps.stderr, /internal error/);
    assert.is(readFileSync(quarantined, 'utf8').length, 40, 'the damaged file is kept as it was');
    assert.ok(isAlive({ pid: web.pid }), 'the container still runs');
    assert.match(interfacesOf(web.pid), /eth0:/, 'and keeps its network');

    const again = f.cli('ps', '--status', 'damaged');
    assert.is(again.code, 0, again.stderr);
    assert.is(again.stderr, '', 'the message is given once');
    assert.match(again.stdout, new RegExp(`${PROJECT}-web-1 `));

    const up = f.cli('up', '-d');
    assert.is(up.code, 0, up.stderr);
    const now = webOf(f);
    assert.not.equal(now.id, web.id, 'recreated');
    assert.not.ok(isAlive({ pid: web.pid }), 'the damaged one was killed');
    assert.not.ok(existsSync(web.dir));
    assert.match(f.cli('ps').stdout, new RegExp(`${PROJECT}-web-1 .* Up `));
  } finally {
    await downProject(f);
  }
});

gate.test('a state.json with its fields missing: listed as damaged, `down` kills it, unmounts it and frees its name', async () => {
  let f: ProjectFixture | undefined;
  try {
    f = await upProject('tsc-damaged-', { 'compose.yaml': COMPOSE }, { COMPOSE_PROJECT_NAME: PROJECT });
    const web = webOf(f);
    writeFileSync(join(web.dir, 'state.json'), '{}\n');

    const ps = f.cli('ps', '-a');
    assert.is(ps.code, 0, ps.stderr);
    assert.match(ps.stdout, new RegExp(`${PROJECT}-web-1 .* Damaged \\(running\\)`));
    assert.match(ps.stderr, /state\.json: "phase" is missing; moved it to /);
    assert.ok(isAlive({ pid: web.pid }));
    assert.match(interfacesOf(web.pid), /eth0:/);

    const down = f.cli('down', '-t', '0');
    assert.is(down.code, 0, down.stderr);
    assert.not.ok(isAlive({ pid: web.pid }), 'killed through runc\'s state');
    assert.not.ok(existsSync(web.dir));
    assert.equal(mountsUnder(join(f.t.root, 'containers')), []);
    assert.is(lookupName(openStateRoot(f.t.root), `${PROJECT}-web-1`), undefined);
    assert.equal(readdirSync(join(f.t.root, 'quarantine', 'containers', web.id)), ['state.json']);
    assert.is(f.cli('ps', '-a', '-q').stdout, '');
  } finally {
    await downProject(f);
  }
});

s.run();
