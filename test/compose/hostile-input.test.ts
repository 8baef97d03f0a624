// Files and YAML a loader must refuse at once, with the file and line, instead
// of filling memory, hanging or overflowing the stack: device files, FIFOs,
// huge files, alias bombs, thousands of nesting levels.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { loadProject } from '../../src/compose/load.js';
import { maxFileSize, readLoaderFile } from '../../src/compose/read-file.js';
import { parseComposeYaml } from '../../src/compose/parse.js';
import { TscError } from '../../src/util/errors.js';

const s = suite('hostile loader input', { dir: '' });
s.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'tsc-hostile-'));
});
s.after((ctx) => {
  rmSync(ctx.dir, { recursive: true, force: true });
});

/** The formatted error of loading `compose` (written as compose.yaml in `dir`). */
function loadError(dir: string, compose: string, env: Record<string, string> = {}): string {
  writeFileSync(join(dir, 'compose.yaml'), compose);
  try {
    loadProject({ workingDir: dir, osEnv: env });
  } catch (error) {
    assert.instance(error, TscError);
    return (error as TscError).format();
  }
  throw new Error('loaded without an error');
}

s('env_file: /dev/zero and a FIFO are refused where they are named', ({ dir }) => {
  assert.is(loadError(dir, 'services:\n  a:\n    image: x\n    env_file: /dev/zero\n'),
    `${join(dir, 'compose.yaml')}:4:15: services.a.env_file[0]: env file /dev/zero is not a regular file (it is a character device)`);
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  assert.match(loadError(dir, 'services:\n  a:\n    image: x\n    env_file: ./fifo\n'), /compose\.yaml:4:15: services\.a\.env_file\[0\]: env file .*fifo is not a regular file \(it is a FIFO\)$/);
});

s('extends.file: /dev/zero, and an include of one', ({ dir }) => {
  assert.match(loadError(dir, 'services:\n  a:\n    extends:\n      file: /dev/zero\n      service: b\n'),
    /compose\.yaml:4:13: services\.a\.extends\.file: Compose file \/dev\/zero is not a regular file \(it is a character device\)$/);
  assert.match(loadError(dir, 'include:\n  - /dev/zero\nservices:\n  a:\n    image: x\n'), /compose\.yaml:2:\d+: include\[0\]\.path\[0\]: file "\/dev\/zero" not found/);
});

s('a file over the size limit is refused without being read whole; the limit is configurable', ({ dir }) => {
  const big = join(dir, 'big.env');
  writeFileSync(big, 'A=' + 'x'.repeat(2048) + '\n');
  assert.is(readLoaderFile(big, 'env file').length, 2051);
  assert.throws(() => withEnv({ TSCOMPOSE_MAX_FILE_SIZE: '1k' }, () => readLoaderFile(big, 'env file')), /env file .*big\.env is larger than 1024 bytes: raise TSCOMPOSE_MAX_FILE_SIZE/);
  assert.is(maxFileSize({}), 16 * 1024 * 1024);
  assert.is(maxFileSize({ TSCOMPOSE_MAX_FILE_SIZE: '64m' }), 64 * 1024 * 1024);
  assert.throws(() => maxFileSize({ TSCOMPOSE_MAX_FILE_SIZE: 'lots' }), /TSCOMPOSE_MAX_FILE_SIZE="lots" is not a size/);
  // A Compose file over the limit: named, nothing parsed.
  assert.match(withEnv({ TSCOMPOSE_MAX_FILE_SIZE: '1k' }, () => loadError(dir, 'services:\n  a:\n    image: x\n' + `x-pad: "${'p'.repeat(2000)}"\n`)), /Compose file .*compose\.yaml is larger than 1024 bytes/);
});

s('an alias bomb is refused before it is expanded, at the alias', () => {
  const lines = ['services:', '  a:', '    image: x', 'x-bomb:', '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  let prev = 'a';
  for (const c of 'bcdefghi') {
    lines.push(`  ${c}: &${c} [${Array(9).fill(`*${prev}`).join(',')}]`);
    prev = c;
  }
  try {
    parseComposeYaml(lines.join('\n') + '\n', 'bomb.yaml');
    assert.unreachable('parsed a bomb');
  } catch (error) {
    assert.match((error as TscError).format(), /^bomb\.yaml:12:\d+: document is too large after expanding aliases .*excessive aliasing$/);
  }
  // An anchor shared by many services is no bomb.
  const shared = ['x-common: &common', '  image: busybox', '  restart: always', 'services:'];
  for (let i = 0; i < 300; i++) shared.push(`  s${i}:`, '    <<: *common');
  assert.is(Object.keys(parseComposeYaml(shared.join('\n') + '\n', 'shared.yaml')[0]!.services as object).length, 300);
});

s('10,000 levels of nesting: a clear error with its line, no stack trace', () => {
  const deep = `services:\n  a:\n    image: x\n    labels:\n      x: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`;
  assert.throws(() => parseComposeYaml(deep, 'deep.yaml'), (e: Error) => /^deep\.yaml:5:\d+: nesting is too deep \(a Compose file has at most 256 levels\)$/.test((e as TscError).format()));
  const blockish = `services:\n  a:\n    image: x\nx-deep: ${'['.repeat(300)}${']'.repeat(300)}\n`;
  assert.throws(() => parseComposeYaml(blockish, 'deep.yaml'), (e: Error) => /^deep\.yaml:4:\d+: nesting is too deep/.test((e as TscError).format()));
});

function withEnv<T>(env: Record<string, string>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
}

s.run();
