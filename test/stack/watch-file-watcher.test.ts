// The file watcher on a real directory: a watched directory removed and made
// again, at once or in two steps, is watched anew and what was under it is
// reported. Waits are on reported paths, never on time.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { watchFiles, type FileWatcher } from '../../src/stack/watch/file-watcher.js';

const s = suite('watch file watcher');
let dir = '';
let src = '';
let w: FileWatcher | undefined;
let seen: string[] = [];

/** Resolves once `path` is reported (after `from`); fails after a deadline (a guard against hanging). */
async function reported(path: string, from: number, act?: () => void): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!seen.slice(from).includes(path)) {
    if (Date.now() > deadline) throw new Error(`${path} never reported; seen: ${seen.join(' ')}`);
    act?.();
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Edits `file` until the watcher reports the file itself: the new directory is watched. */
async function editSeen(file: string): Promise<void> {
  let n = 0;
  await reported(file, seen.length, () => writeFileSync(file, `edit ${n++}\n`));
}

s.before.each(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tsc-file-watcher-'));
  src = join(dir, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'old.txt'), 'old\n');
  seen = [];
  w = watchFiles({ paths: [src], onPath: (p) => seen.push(p), onError: (e) => seen.push(`error: ${e.message}`) });
  await w.ready;
});

s.after.each(async () => {
  await w?.close();
  rmSync(dir, { recursive: true, force: true });
});

s('removed and made again at once: the directory and what was in it are reported, then edits in it', async () => {
  rmSync(src, { recursive: true });
  mkdirSync(src);
  writeFileSync(join(src, 'new.txt'), 'new\n');
  await reported(join(src, 'old.txt'), 0);
  await reported(src, 0);
  await editSeen(join(src, 'new.txt'));
  assert.not.ok(seen.some((p) => p.startsWith('error')), seen.join(' '));
});

s('removed, then made again later: both are reported, then edits in it', async () => {
  rmSync(src, { recursive: true });
  await reported(src, 0);
  const from = seen.length;
  mkdirSync(src);
  writeFileSync(join(src, 'new.txt'), 'new\n');
  await reported(src, from);
  await editSeen(join(src, 'new.txt'));
});

s.run();
