// Paths a container controls, opened on the host: symlinks stay inside the
// root, FIFOs never block, sizes are bounded, and a component swapped for a
// symlink while being walked never leads out.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { fdPath, openInRoot, readFileInRoot } from '../../../src/engines/embedded/fs/open-in-root.js';
import { readUserDb } from '../../../src/engines/embedded/runtime/user.js';
import { suite } from '../../harness.js';

/** Swaps `<dir>/d` between a real directory and a symlink to the host, as fast as rename(2) goes. */
const SWAPPER = `
const fs = require('fs'); const [dir, host] = process.argv.slice(1); process.chdir(dir);
for (;;) { try { fs.renameSync('d', 'dd'); fs.symlinkSync(host, 'd'); fs.unlinkSync('d'); fs.renameSync('dd', 'd'); } catch {} }
`;

const s = suite('open-in-root');
let base = '';
let root = '';
let outside = '';

s.before(() => {
  base = mkdtempSync(join(tmpdir(), 'tsc-inroot-'));
  root = join(base, 'root');
  outside = join(base, 'outside');
  mkdirSync(join(root, 'etc'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret'), 'host secret\n');
  writeFileSync(join(root, 'etc', 'real'), 'root:x:0:0::/root:/bin/sh\n');
});

s.after(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

s('absolute and climbing symlinks resolve inside the root, never to the host', () => {
  mkdirSync(join(root, 'a'));
  symlinkSync(join(outside, 'secret'), join(root, 'a', 'abs'));
  symlinkSync('../../../../../outside/secret', join(root, 'a', 'up'));
  symlinkSync('/etc/real', join(root, 'a', 'inside'));
  assert.is(readFileInRoot(root, '/a/abs', 1024), undefined, 'the absolute target does not exist inside the root');
  assert.is(readFileInRoot(root, '/a/up', 1024), undefined);
  assert.is(readFileInRoot(root, '/a/inside', 1024), 'root:x:0:0::/root:/bin/sh\n');
  const dir = openInRoot(root, '/a/../../..');
  assert.ok(dir?.stat.isDirectory());
  assert.is(readFileSync(join(fdPath(dir!.fd), 'etc', 'real'), 'utf8'), 'root:x:0:0::/root:/bin/sh\n', '.. stops at the root');
  dir!.close();
  const link = openInRoot(root, '/a/abs', { followLast: false });
  assert.ok(link?.stat.isSymbolicLink());
  link!.close();
});

s('the user database: a symlink to the host is not followed out, a FIFO does not block, a huge file is refused', () => {
  const img = join(base, 'img');
  mkdirSync(join(img, 'etc'), { recursive: true });
  symlinkSync(join(outside, 'secret'), join(img, 'etc', 'passwd'));
  execFileSync('mkfifo', [join(img, 'etc', 'group')]);
  // Read as absent: the host file is not reached, the FIFO is never opened (this would block).
  assert.equal(readUserDb(img), { passwd: '', group: '' });
  rmSync(join(img, 'etc', 'group'));
  rmSync(join(img, 'etc', 'passwd'));
  writeFileSync(join(img, 'etc', 'passwd'), Buffer.alloc(5 * 1024 * 1024, 0x61));
  assert.throws(() => readUserDb(img), /more than the 4194304 read from it/);
});

s('a directory swapped for a symlink to the host in a loop: every open stays inside', async () => {
  const race = join(base, 'race');
  mkdirSync(join(race, 'd'), { recursive: true });
  writeFileSync(join(race, 'd', 'file'), 'inside\n');
  const swapper = spawn(process.execPath, ['-e', SWAPPER, race, outside], { stdio: 'ignore' });
  try {
    let inside = 0;
    for (let i = 0; i < 3000; i++) {
      writeFileSync(join(outside, 'file'), 'HOST\n');
      let text: string | undefined;
      try {
        text = readFileInRoot(race, '/d/file', 1024);
      } catch { /* a half-swapped moment: not a file */ }
      assert.not.equal(text, 'HOST\n', `iteration ${i} read the host's file`);
      if (text === 'inside\n') inside++;
    }
    assert.ok(inside > 0, 'the loop did read the container side');
  } finally {
    swapper.kill('SIGKILL');
    rmSync(join(outside, 'file'), { force: true });
  }
});

s('a file is read whole up to the bound, empty or exactly at it, and refused past it', () => {
  mkdirSync(join(root, 'sizes'));
  const text = 'x'.repeat(100);
  writeFileSync(join(root, 'sizes', 'at'), text);
  writeFileSync(join(root, 'sizes', 'empty'), '');
  assert.is(readFileInRoot(root, '/sizes/at', 100), text);
  assert.is(readFileInRoot(root, '/sizes/at', 4 * 1024 * 1024), text);
  assert.is(readFileInRoot(root, '/sizes/empty', 100), '');
  assert.throws(() => readFileInRoot(root, '/sizes/at', 99), /more than the 99/);
});

s.run();
