// A full disk, as a user meets it: the state root on a small tmpfs filled to
// the last byte. Import, load and up say so (and leave nothing behind); down
// still works, so that the user can free space.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { createEmbeddedEngine } from '../../src/engines/embedded/engine.js';
import { writeFileAtomic, writeJsonAtomic } from '../../src/util/atomic-file.js';
import { keepReserve } from '../../src/util/disk-reserve.js';
import { closeTestEngine, missingForEngine, type TestEngine } from '../engines/embedded/engine-helpers.js';
import { importBusybox } from '../fixtures/images/busybox.js';
import { suite } from '../harness.js';
import { requireHost } from '../host.js';
import { runCli } from './cli.js';

const s = suite('full disk (cli)');
const gate = requireHost(s, 'full disk integration tests', missingForEngine());

/** Every file under `dir` (relative), for "nothing left behind" checks. */
function filesUnder(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = join(prefix, e.name);
    if (e.isDirectory()) {
      // Container root filesystems are mounts, not our files.
      if (!/containers\/[0-9a-f]{64}\/(rootfs|upper|work)$/.test(rel)) out.push(...filesUnder(dir, rel));
    } else out.push(rel);
  }
  return out;
}

/** Writes `file` until the file system is full (dd ends with ENOSPC), then tops up the last bytes. */
function fill(file: string): void {
  spawnSync('dd', ['if=/dev/zero', `of=${file}`, 'bs=64k'], { stdio: 'ignore' });
  spawnSync('dd', ['if=/dev/zero', `of=${file}.tail`, 'bs=512'], { stdio: 'ignore' });
}

gate.test('import, load and up say "no space left on device under ROOT" and leave nothing; down -v still works', async () => {
  const mnt = mkdtempSync(join(tmpdir(), 'tsc-fulldisk-'));
  const work = mkdtempSync(join(tmpdir(), 'tsc-fulldisk-work-'));
  let t: TestEngine | undefined;
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m,mode=0700', 'tsc-fulldisk', mnt]);
  try {
    const root = join(mnt, 'root');
    t = { root, engine: await createEmbeddedEngine({ root }) };
    await importBusybox(t.engine.images, 'busybox:latest');
    const project = join(work, 'p');
    mkdirSync(project);
    writeFileSync(join(project, 'compose.yaml'), 'services:\n  web:\n    image: busybox\n    command: ["sleep", "3600"]\n');
    const cli = (...args: string[]) => runCli(['--progress', 'quiet', ...args], { cwd: project, env: { TSCOMPOSE_ROOT: root, COMPOSE_PROJECT_NAME: `tscfull${process.pid}` } });
    assert.is(cli('up', '-d').code, 0);
    // An archive to load later: a second image, saved, then removed.
    const rootfs = join(work, 'rootfs');
    mkdirSync(rootfs);
    writeFileSync(join(rootfs, 'data'), randomBytes(256 * 1024));
    assert.is(cli('image', 'import', rootfs, 'tscfull:one').code, 0);
    assert.is(cli('image', 'save', '-o', join(work, 'one.tar'), 'tscfull:one').code, 0);
    assert.is(cli('image', 'rm', 'tscfull:one').code, 0);
    writeFileSync(join(rootfs, 'more'), randomBytes(1024 * 1024));

    fill(join(mnt, 'fill'));
    const before = filesUnder(root).filter((f) => !f.startsWith('reserve/')).sort();
    const blame = /internal error|runc|conmon|SyntaxError|\n\s+at /;
    for (const args of [['image', 'import', rootfs, 'tscfull:two'], ['image', 'load', '-i', join(work, 'one.tar')]]) {
      const r = cli(...args);
      assert.is(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.ok(r.stderr.includes(`no space left on device under ${root}`), r.stderr);
      assert.not.match(r.stderr, blame);
      assert.equal(filesUnder(root).filter((f) => !f.startsWith('reserve/')).sort(), before, `${args[1]}: no orphan blob or temp file`);
    }
    writeFileSync(join(project, 'compose.yaml'), 'services:\n  web:\n    image: busybox\n    command: ["sleep", "3600"]\n  other:\n    image: busybox\n    command: ["sleep", "3600"]\n');
    const up = cli('up', '-d');
    assert.is(up.code, 1, up.stderr);
    assert.ok(up.stderr.includes(`no space left on device under ${root}`), up.stderr);
    assert.not.match(up.stderr, blame);

    const down = cli('down', '-v', '-t', '0');
    assert.is(down.code, 0, down.stderr);
    assert.is(cli('ps', '-a', '-q').stdout, '');
    assert.equal(readdirSync(join(root, 'containers')).filter((e) => !e.startsWith('.')), []);
    assert.equal(filesUnder(root).filter((f) => /\.tmp$/.test(f)), [], 'no temp file left');

    // With space again, the next command makes its reserve again and up works.
    rmSync(join(mnt, 'fill'));
    rmSync(join(mnt, 'fill.tail'));
    const again = cli('up', '-d');
    assert.is(again.code, 0, again.stderr);
    assert.ok(readdirSync(join(root, 'reserve')).filter((n) => n.startsWith('spare-')).length >= 8);
    assert.ok(statSync(join(root, 'reserve')).isDirectory());
  } finally {
    await closeTestEngine(t).catch(() => undefined);
    if (spawnSync('umount', [mnt]).status !== 0) spawnSync('umount', ['-l', mnt]);
    rmSync(mnt, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
});

gate.test('writeFileAtomic on a full disk: ENOSPC without a temp file left; with a reserve, a spare takes the write', () => {
  const mnt = mkdtempSync(join(tmpdir(), 'tsc-fulldisk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tsc-fulldisk', mnt]);
  try {
    const root = join(mnt, 'root');
    mkdirSync(join(root, 'records'), { recursive: true });
    keepReserve(root, join(root, 'reserve'));
    const spares = () => readdirSync(join(root, 'reserve')).filter((n) => n.startsWith('spare-')).length;
    const before = spares();
    assert.ok(before > 0);
    fill(join(mnt, 'fill'));
    const code = (fn: () => void) => {
      try {
        fn();
        return 'ok';
      } catch (error) {
        return (error as NodeJS.ErrnoException).code;
      }
    };
    // Too big for a spare: the ENOSPC, and nothing left behind.
    assert.is(code(() => writeFileAtomic(join(root, 'records', 'big.json'), Buffer.alloc(512 * 1024, 1))), 'ENOSPC');
    assert.equal(readdirSync(join(root, 'records')), []);
    // Small: written whole through a spare.
    assert.is(code(() => writeJsonAtomic(join(root, 'records', 'small.json'), { ok: true })), 'ok');
    assert.equal(readdirSync(join(root, 'records')), ['small.json']);
    assert.equal(JSON.parse(readFileSync(join(root, 'records', 'small.json'), 'utf8')), { ok: true });
    assert.is(spares(), before - 1);
    // Outside any state root there is no reserve (filled again: the spare freed what its write did not need).
    fill(join(mnt, 'fill2'));
    assert.is(code(() => writeFileAtomic(join(mnt, 'other.json'), '{}')), 'ENOSPC');
    assert.not.ok(readdirSync(mnt).some((n) => n.endsWith('.tmp')));
  } finally {
    if (spawnSync('umount', [mnt]).status !== 0) spawnSync('umount', ['-l', mnt]);
    rmSync(mnt, { recursive: true, force: true });
  }
});

s.run();
