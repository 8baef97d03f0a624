import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { applyExtends } from '../../src/compose/extends.js';
import { applyResets } from '../../src/compose/merge.js';
import { parseComposeYaml } from '../../src/compose/parse.js';
import { locate } from '../../src/compose/source.js';
import type { ComposeMap } from '../../src/compose/source.js';
import { ComposeError, ComposeErrors } from '../../src/util/errors.js';
import { errorOf } from './errors.js';

const s = suite('extends');
const FIXTURES = fileURLToPath(new URL('../fixtures/extends/', import.meta.url));

function plain(value: unknown): any {
  return JSON.parse(JSON.stringify(value));
}

function load(file: string): ComposeMap {
  return parseComposeYaml(readFileSync(file, 'utf8'), file)[0]!;
}

/** A loadFile that records what it was asked for. */
function loader(calls: string[] = []) {
  return (file: string) => {
    calls.push(file);
    return load(file);
  };
}


s('same file: base merged under the service, extends removed', () => {
  const file = '/proj/compose.yaml';
  const [tree] = parseComposeYaml(`services:
  base:
    image: base
    environment: { A: "1", B: "2" }
    ports:
      - { target: 80, published: "80", protocol: tcp, mode: ingress }
    depends_on:
      db: { condition: service_started, required: true }
  web:
    extends: { service: base }
    environment: { B: "20" }
    ports:
      - { target: 443, published: "443", protocol: tcp, mode: ingress }
  db:
    image: db
`, file);
  const out = plain(applyExtends(tree!, file, () => {
    throw new Error('no other file');
  }));
  assert.equal(out.services.web, {
    image: 'base',
    environment: { A: '1', B: '20' },
    ports: [
      { target: 80, published: '80', protocol: 'tcp', mode: 'ingress' },
      { target: 443, published: '443', protocol: 'tcp', mode: 'ingress' },
    ],
    // compose-go v2 keeps depends_on of the base (docker/compose#12360)
    depends_on: { db: { condition: 'service_started', required: true } },
  });
  assert.equal(out.services.base.image, 'base');
  assert.equal(plain(tree).services.web.extends, { service: 'base' });
});

s('other file in another directory: recursive, paths rebased, file loaded once', () => {
  const file = FIXTURES + 'app/compose.yaml';
  const calls: string[] = [];
  const out = applyExtends(load(file), file, loader(calls));
  const web = plain(out).services.web;
  assert.equal(web, {
    image: 'web',
    command: ['run'],
    labels: { tier: 'core' },
    build: { context: '../common/app' },
    volumes: [
      { type: 'bind', source: '../common/data', target: '/data' },
      { type: 'volume', source: 'cache', target: '/cache' },
    ],
    env_file: [{ path: '../common/app.env', required: true }],
    environment: { MODE: 'web', LEVEL: 'debug' },
  });
  // worker extends web of the same file, which itself extends another file
  assert.equal(plain(out).services.worker.command, ['work']);
  assert.equal(plain(out).services.worker.build, { context: '../common/app' });
  assert.equal(calls, [FIXTURES + 'common/base.yaml']);
  // values keep the place they were written
  assert.equal(locate(out, ['services', 'web', 'image'])?.file, file);
  assert.equal(locate(out, ['services', 'web', 'command'])?.file, FIXTURES + 'common/base.yaml');
});

s('!reset and !override in the extending service apply to the base', () => {
  const file = '/proj/compose.yaml';
  const [tree] = parseComposeYaml(`services:
  base:
    image: base
    ports:
      - { target: 80, published: "80", protocol: tcp, mode: ingress }
    environment: { A: "1" }
  web:
    extends: { service: base }
    ports: !reset []
    environment: !override { B: "2" }
`, file);
  assert.equal(plain(applyExtends(tree!, file, load)).services.web, { image: 'base', environment: { B: '2' } });
  // also when the file's resets were applied first (their tags stay recorded)
  const out = plain(applyExtends(applyResets(tree!), file, load));
  assert.equal(out.services.web, { image: 'base', environment: { B: '2' } });
});

s('missing file names the extends.file entry', () => {
  const file = FIXTURES + 'app/missing.yaml';
  const [tree] = parseComposeYaml('services:\n  web:\n    extends:\n      file: ./nope.yaml\n      service: base\n', file);
  const msg = errorOf(() => applyExtends(tree!, file, load));
  assert.match(msg, /missing\.yaml:4:13: services\.web\.extends\.file: file "\.\/nope\.yaml" not found$/);
});

s('missing service, in the same file and in another file', () => {
  const file = FIXTURES + 'app/bad.yaml';
  const [tree] = parseComposeYaml(`services:
  a:
    extends: { service: nope }
  b:
    extends:
      file: ../common/base.yaml
      service: ghost
`, file);
  const msg = errorOf(() => applyExtends(tree!, file, load));
  const lines = msg.split('\n');
  assert.is(lines.length, 2);
  assert.match(lines[0]!, /bad\.yaml:3:25: services\.a\.extends\.service: service "nope" not found$/);
  assert.match(lines[1]!, /bad\.yaml:7:16: services\.b\.extends\.service: service "ghost" not found in \.\.\/common\/base\.yaml$/);
});

s('a cycle in one file is reported once, at the first extends', () => {
  const file = '/proj/compose.yaml';
  const [tree] = parseComposeYaml(`services:
  web:
    extends: { service: base }
  base:
    extends: { service: web }
  self:
    extends: { service: self }
`, file);
  const msg = errorOf(() => applyExtends(tree!, file, load));
  assert.equal(msg.split('\n'), [
    '/proj/compose.yaml:3:5: extends cycle: web → base → web',
    '/proj/compose.yaml:7:5: extends cycle: self → self',
  ]);
});

s('a cycle across files names the files', () => {
  const file = FIXTURES + 'cycle/a.yaml';
  const msg = errorOf(() => applyExtends(load(file), file, load));
  assert.match(msg, /a\.yaml:3:5: extends cycle: web \(.*a\.yaml\) → x \(.*b\.yaml\) → web \(.*a\.yaml\)$/);
});

s('a chain that comes back to the first file without a cycle', () => {
  const file = FIXTURES + 'chain/compose.yaml';
  const out = plain(applyExtends(load(file), file, load));
  assert.equal(out.services.web, { image: 'base', user: 'me' });
});

s('a tree without services is returned as is', () => {
  const tree = { volumes: {} };
  assert.is(applyExtends(tree, '/x/compose.yaml', load), tree);
});

s.run();
