// V8's code cache of the CLI (dist/cli.cjs, one per command) and of the
// vendored libraries (dist/vendor/*.cjs): written by a first command, taken as it is by the next ones, replaced when V8 refuses it,
// never in the way of the command.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { codeCacheDir, dynamicImports, runCachedScript, withBuiltHash } from '../../src/util/code-cache.js';

const s = suite('code-cache');

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO, 'dist/bin.js');
const VENDOR = ['commander.cjs', 'compose-spec-validator.cjs', 'yaml.cjs'];
const CACHED = ['cli.cjs-config', ...VENDOR];

let dir = '';
s.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsc-code-cache-'));
  writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    image: busybox\n    command: sleep 100000\n');
});
s.after.each(() => {
  rmSync(dir, { recursive: true, force: true });
});

function config(cache: string, command = 'config'): string {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
  const r = spawnSync(process.execPath, [BIN, command], { cwd: dir, env: { ...process.env, TSCOMPOSE_CODE_CACHE: cache }, encoding: 'utf8' });
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

s('the first command writes a cache of the CLI and one per library, the next one takes it as it is', () => {
  const cache = join(dir, 'cache');
  const first = config(cache);
  const written = cacheFiles(cache);
  assert.equal([...written.keys()].sort(), CACHED);
  assert.is(config(cache), first);
  assert.equal(cacheFiles(cache), written, 'a cache V8 accepted is not written again');
});

s('each command keeps a cache of the CLI of its own', () => {
  const cache = join(dir, 'cache');
  config(cache);
  const first = cacheFiles(cache);
  assert.match(config(cache, 'version'), /version/);
  const after = cacheFiles(cache);
  assert.equal([...after.keys()].sort(), [...CACHED, 'cli.cjs-version'].sort());
  assert.equal(after.get('cli.cjs-config'), first.get('cli.cjs-config'), "another command's cache is left as it is");
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

s('a script in UTF-8 is read as such; the bundles are ASCII (read as one-byte strings)', () => {
  const file = join(dir, 'lib.cjs');
  writeFileSync(file, "exports.s = 'µs → é';");
  assert.is((runCachedScript(file) as { s: string }).s, 'µs → é');
  for (const name of ['dist/cli.cjs', ...VENDOR.map((v) => `dist/vendor/${v}`)]) {
    assert.not.ok(/[^\x00-\x7f]/.test(readFileSync(join(REPO, name), 'utf8')), `${name} is not ASCII: run \`npm run build\``);
  }
});

s('the bundles run with a code cache call no import(): node 20 loses its callback in a script compiled from a cache', () => {
  for (const file of [join(REPO, 'dist/cli.cjs'), ...VENDOR.map((name) => join(REPO, 'dist/vendor', name))]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
    assert.equal(dynamicImports(readFileSync(file, 'utf8')), [], file);
  }
});

/** Runs `file` through runCachedScript in a process of its own, as the CLI does (the optimizer held back); its `v`. */
function runInChild(file: string, cache: string): string {
  const src = (name: string) => JSON.stringify(join(REPO, 'src/util', name));
  const code = `import { holdOptimizerBack } from ${src('v8-tiering.ts')}; import { runCachedScript } from ${src('code-cache.ts')};
    holdOptimizerBack(); console.log(runCachedScript(${JSON.stringify(file)}).v);`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: REPO, env: { ...process.env, TSCOMPOSE_CODE_CACHE: cache }, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return r.stdout.trim();
}

s("a bundle with the build's hash is cached by it; an edited one gets a cache of its own", () => {
  const file = join(dir, 'lib.cjs');
  const cache = join(dir, 'cache');
  writeFileSync(file, withBuiltHash('exports.v = 1;'));
  assert.is(runInChild(file, cache), '1');
  const [one] = readdirSync(cache);
  assert.is(runInChild(file, cache), '1');
  assert.equal(readdirSync(cache), [one]);
  writeFileSync(file, withBuiltHash('exports.v = 2;'));
  assert.is(runInChild(file, cache), '2', 'a cache of a text of the same length is not taken for another');
  assert.is(readdirSync(cache).length, 1, "the older build's cache is removed");
  assert.is.not(readdirSync(cache)[0], one);
});

s.run();
