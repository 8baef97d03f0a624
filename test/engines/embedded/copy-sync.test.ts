// Watch's sync into a root directory (no container needed): what is copied,
// what is deleted, and that no path under the root sends a write outside it.
import { closeSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { suite } from '../../harness.js';
import { syncToRoot } from '../../../src/engines/embedded/containers/copy-sync.js';
import { at, openDirIn, openRootDir } from '../../../src/engines/embedded/containers/pinned-dir.js';

const s = suite('copy-sync');
let base = '';
let root = '';
let host = '';
let outside = '';
const owner = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
const sync = (...changes: Array<[string, string]>) =>
  syncToRoot({ dir: root, mounts: [], readOnly: false, name: 'c' }, changes.map(([h, c]) => ({ hostPath: join(host, h), containerPath: c })), owner);

s.before.each(() => {
  base = mkdtempSync(join(tmpdir(), 'tsc-copy-sync-'));
  for (const d of ['root', 'host', 'outside']) mkdirSync(join(base, d));
  [root, host, outside] = ['root', 'host', 'outside'].map((d) => join(base, d)) as [string, string, string];
});
s.after.each(() => rmSync(base, { recursive: true, force: true }));

s('copies files with their modes, directories walked, links as links; parents made', () => {
  mkdirSync(join(host, 'src', 'sub'), { recursive: true });
  writeFileSync(join(host, 'src', 'run.sh'), '#!/bin/sh\n', { mode: 0o750 });
  writeFileSync(join(host, 'src', 'sub', 'a.txt'), 'a\n');
  symlinkSync(join(outside, 'nope'), join(host, 'src', 'link'));
  const r = sync(['src', '/deep/app']);
  assert.equal(r, { copied: 5, deleted: 0 });
  assert.is(statSync(join(root, 'deep/app/run.sh')).mode & 0o777, 0o750);
  assert.is(readFileSync(join(root, 'deep/app/sub/a.txt'), 'utf8'), 'a\n');
  assert.is(readlinkSync(join(root, 'deep/app/link')), join(outside, 'nope'));
  assert.equal(readFileSync(join(root, 'deep/app/run.sh'), 'utf8'), '#!/bin/sh\n');
});

s('a path gone from the host is deleted: a tree, or a link itself and not what it points to', () => {
  mkdirSync(join(root, 'app', 'gone', 'x'), { recursive: true });
  writeFileSync(join(root, 'app', 'gone', 'x', 'f'), 'f');
  writeFileSync(join(outside, 'keep'), 'keep');
  symlinkSync(outside, join(root, 'app', 'ln'));
  const r = sync(['gone', '/app/gone'], ['ln', '/app/ln'], ['never', '/app/never']);
  assert.equal(r, { copied: 0, deleted: 2 });
  assert.not.ok(existsSync(join(root, 'app', 'gone')));
  assert.ok(existsSync(join(root, 'app')), 'the parent stays');
  assert.is(readFileSync(join(outside, 'keep'), 'utf8'), 'keep', 'the link target is untouched');
});

s('links in the root resolve inside it: absolute and .. targets stay in', () => {
  mkdirSync(join(root, 'srv'));
  symlinkSync('/srv', join(root, 'app'));
  symlinkSync('../../../../..' + outside, join(root, 'rel'));
  writeFileSync(join(host, 'f'), 'data');
  sync(['f', '/app/f'], ['f', '/rel/f']);
  assert.is(readFileSync(join(root, 'srv', 'f'), 'utf8'), 'data');
  assert.not.ok(existsSync(join(outside, 'f')), 'nothing written outside the root');
  assert.is(readFileSync(join(root, outside, 'f'), 'utf8'), 'data', 'made at that path inside the root');
});

s('a file over a link replaces the link, never writes through it', () => {
  mkdirSync(join(root, 'app'));
  writeFileSync(join(outside, 'target'), 'original');
  symlinkSync(join(outside, 'target'), join(root, 'app', 'f'));
  writeFileSync(join(host, 'f'), 'new');
  sync(['f', '/app/f']);
  assert.ok(lstatSync(join(root, 'app', 'f')).isFile());
  assert.is(readFileSync(join(outside, 'target'), 'utf8'), 'original');
});

s('a directory held by descriptor stays the one resolved when it is swapped for a link', () => {
  mkdirSync(join(root, 'd'));
  const rootFd = openRootDir(root);
  const fd = openDirIn(rootFd, '/d', { name: 'c' });
  try {
    renameSync(join(root, 'd'), join(root, 'd-old'));
    symlinkSync(outside, join(root, 'd'));
    writeFileSync(at(fd, 'x'), 'pinned');
    assert.is(readFileSync(join(root, 'd-old', 'x'), 'utf8'), 'pinned');
    assert.not.ok(existsSync(join(outside, 'x')));
  } finally {
    closeSync(fd);
    closeSync(rootFd);
  }
});

s.run();
