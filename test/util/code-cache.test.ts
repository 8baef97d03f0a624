// V8's code cache of the vendored libraries (dist/vendor/*.cjs): written by a
// first command, taken as it is by the next ones, replaced when V8 refuses it,
// never in the way of the command.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { codeCacheDir, runCachedScript } from '../../src/util/code-cache.js';

const s = suite('code-cache');

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO, 'dist/bin.js');
const VENDORED = ['commander.cjs', 'compose-spec-validator.cjs', 'yaml.cjs'];

let dir = '';
s.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsc-code-cache-'));
  writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    image: busybox\n    command: sleep 100000\n');
});
s.after.each(() => {
  rmSync(dir, { recursive: true, force: true });
});

function config(cache: string): string {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
  const r = spawnSync(process.execPath, [BIN, 'config'], { cwd: dir, env: { ...process.env, TSCOMPOSE_CODE_CACHE: cache }, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
  return r.stdout;
}

/** The cache files by library, with the inode of each (a rewrite renames a new file in). */
function cacheFiles(cache: string): Map<string, { name: string; ino: number }> {
  const out = new Map<string, { name: string; ino: number }>();
  for (const name of readdirSync(cache)) out.set(name.replace(/-[0-9a-f]+$/, ''), { name, ino: statSync(join(cache, name)).ino });
  return out;
}

s('the first command writes a cache per library, the next one takes it as it is', () => {
  const cache = join(dir, 'cache');
  const first = config(cache);
  const written = cacheFiles(cache);
  assert.equal([...written.keys()].sort(), VENDORED);
  assert.is(config(cache), first);
  assert.equal(cacheFiles(cache), written, 'a cache V8 accepted is not written again');
});

s('a damaged or foreign cache is refused by V8 and replaced; caches of other builds are removed', () => {
  const cache = join(dir, 'cache');
  const expected = config(cache);
  const yaml = cacheFiles(cache).get('yaml.cjs')!;
  writeFileSync(join(cache, yaml.name), 'not a code cache');
  writeFileSync(join(cache, 'yaml.cjs-0123456789abcdef0123'), 'an older build');
  assert.is(config(cache), expected);
  const after = cacheFiles(cache);
  assert.is(after.get('yaml.cjs')!.name, yaml.name);
  assert.is.not(readFileSync(join(cache, yaml.name), 'utf8'), 'not a code cache');
  assert.not.ok(existsSync(join(cache, 'yaml.cjs-0123456789abcdef0123')));
});

s('a cache directory that cannot be made costs nothing but the cache', () => {
  writeFileSync(join(dir, 'file'), '');
  const expected = config(join(dir, 'cache'));
  assert.is(config(join(dir, 'file', 'cache')), expected);
  assert.not.ok(existsSync(join(dir, 'file', 'cache')));
});

s('TSCOMPOSE_CODE_CACHE: off, a directory, else under XDG_CACHE_HOME or ~/.cache', () => {
  assert.is(codeCacheDir({ TSCOMPOSE_CODE_CACHE: 'off' }), undefined);
  assert.is(codeCacheDir({ TSCOMPOSE_CODE_CACHE: '/x/y' }), '/x/y');
  assert.is(codeCacheDir({ XDG_CACHE_HOME: '/c' }), '/c/tscompose/code-cache');
  assert.match(codeCacheDir({})!, /\/\.cache\/tscompose\/code-cache$/);
});

s('a script gets node\'s require, and the values provided for its own ids', () => {
  const file = join(dir, 'lib.cjs');
  writeFileSync(file, "const { join } = require('node:path'); exports.out = join('a', require('x:provided').b); exports.file = __filename;");
  const exports = runCachedScript(file, { 'x:provided': { b: 'b' } }) as { out: string; file: string };
  assert.is(exports.out, 'a/b');
  assert.is(exports.file, file);
});

s.run();
