import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from '../harness.js';
import { resolveComposeFiles } from '../../src/compose/files.js';

const s = suite('files');
let dir = '';

s.before.each(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'tsc-files-')));
});
s.after.each(() => rmSync(dir, { recursive: true, force: true }));

function touch(...parts: string[]) {
  const p = join(dir, ...parts);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, 'services: {}\n');
  return p;
}

s('default file and its override in the working directory', () => {
  const main = touch('compose.yaml');
  const ov = touch('compose.override.yaml');
  const r = resolveComposeFiles({ workingDir: dir, env: {} });
  assert.equal(r, { files: [main, ov], projectDir: dir });
});

s('searched upward from the working directory', () => {
  const main = touch('docker-compose.yml');
  mkdirSync(join(dir, 'a', 'b'), { recursive: true });
  const r = resolveComposeFiles({ workingDir: join(dir, 'a', 'b'), env: {} });
  assert.equal(r, { files: [main], projectDir: dir });
});

s('compose.yaml wins over docker-compose.yml, with a warning', () => {
  const main = touch('compose.yaml');
  touch('docker-compose.yml');
  const warnings: string[] = [];
  const r = resolveComposeFiles({ workingDir: dir, env: {}, warn: (m) => warnings.push(m) });
  assert.equal(r.files, [main]);
  assert.match(warnings[0]!, 'Found multiple config files');
});

s('-f files relative to the working directory; project dir from the first', () => {
  const a = touch('sub', 'a.yaml');
  const b = touch('b.yaml');
  const r = resolveComposeFiles({ workingDir: dir, files: ['sub/a.yaml', 'b.yaml'], env: {} });
  assert.equal(r, { files: [a, b], projectDir: join(dir, 'sub') });
});

s('COMPOSE_FILE with COMPOSE_PATH_SEPARATOR', () => {
  const a = touch('a.yaml');
  const b = touch('b.yaml');
  const r = resolveComposeFiles({ workingDir: dir, env: { COMPOSE_FILE: 'a.yaml;b.yaml', COMPOSE_PATH_SEPARATOR: ';' } });
  assert.equal(r.files, [a, b]);
  const r2 = resolveComposeFiles({ workingDir: dir, env: { COMPOSE_FILE: 'b.yaml:a.yaml' } });
  assert.equal(r2.files, [b, a]);
});

s('--project-directory sets the project dir and where defaults are searched', () => {
  const main = touch('proj', 'compose.yml');
  const r = resolveComposeFiles({ workingDir: dir, projectDirectory: 'proj', env: {} });
  assert.equal(r, { files: [main], projectDir: join(dir, 'proj') });
});

s('stdin: project dir is the working directory', () => {
  const r = resolveComposeFiles({ workingDir: dir, files: ['-'], env: {} });
  assert.equal(r, { files: ['-'], projectDir: dir });
});

s('no file found, and a missing -f file, are clear errors', () => {
  assert.throws(() => resolveComposeFiles({ workingDir: dir, env: {} }), /no configuration file provided: not found/);
  assert.throws(() => resolveComposeFiles({ workingDir: dir, files: ['nope.yaml'], env: {} }), /nope\.yaml: no such file or directory/);
});

s.run();
