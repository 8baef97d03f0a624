import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { parseComposeYaml } from '../../src/compose/parse.js';
import { keyPos, locate, tagOf } from '../../src/compose/source.js';
import { ComposeError, ComposeErrors } from '../../src/util/errors.js';
import { errorOf } from './errors.js';

const s = suite('parse');


s('plain mapping keeps values and positions', () => {
  const [tree] = parseComposeYaml('services:\n  web:\n    image: nginx\n    ports:\n      - "8080:80"\n', 'c.yaml');
  assert.equal(tree, { services: { web: { image: 'nginx', ports: ['8080:80'] } } });
  assert.equal(locate(tree, ['services', 'web', 'image']), { file: 'c.yaml', line: 3, column: 12 });
  assert.equal(locate(tree, ['services', 'web', 'ports', 0]), { file: 'c.yaml', line: 5, column: 9 });
  assert.equal(keyPos((tree!.services as any).web, 'ports'), { file: 'c.yaml', line: 4, column: 5 });
});

s('anchors, aliases and merge keys: explicit keys win, earlier sources win', () => {
  const [tree] = parseComposeYaml(`x-a: &a
  image: a
  restart: always
x-b: &b
  image: b
  user: b
services:
  web:
    <<: [*a, *b]
    image: own
`, 'c.yaml');
  assert.equal((tree!.services as any).web, { image: 'own', restart: 'always', user: 'b' });
  // merged entries point at where they were written
  assert.equal(locate(tree, ['services', 'web', 'restart'])?.line, 3);
});

s('aliases expand to independent copies', () => {
  const [tree] = parseComposeYaml('x: &x {a: [1]}\ny: *x\n', 'c.yaml') as any[];
  tree.y.a.push(2);
  assert.equal(tree.x.a, [1]);
});

s('!reset and !override tags are recorded', () => {
  const [tree] = parseComposeYaml('services:\n  web:\n    ports: !reset []\n    environment: !override\n      A: b\n', 'c.yaml') as any[];
  assert.is(tagOf(tree.services.web, 'ports'), '!reset');
  assert.is(tagOf(tree.services.web, 'environment'), '!override');
  assert.is(tagOf(tree.services, 'web'), undefined);
});

s('duplicate key is an error at the second key', () => {
  const msg = errorOf(() => parseComposeYaml('services:\n  web:\n    image: a\n    image: b\n', 'c.yaml'));
  assert.is(msg, 'c.yaml:4:5: duplicate key "image" in services.web (first at line 3)');
});

s('malformed YAML names file, line and column', () => {
  const msg = errorOf(() => parseComposeYaml('services:\n  web:\n    image: [a\n', 'c.yaml'));
  assert.match(msg, /^c\.yaml:\d+:\d+: /);
  assert.not.match(msg, /\n\s+at /);
});

s('top level must be a mapping; empty file is an error', () => {
  assert.match(errorOf(() => parseComposeYaml('- a\n', 'c.yaml')), 'c.yaml:1:1: top-level object must be a mapping');
  assert.match(errorOf(() => parseComposeYaml('# nothing\n', 'c.yaml')), 'empty compose file');
});

s('unknown anchor is an error', () => {
  assert.match(errorOf(() => parseComposeYaml('a: *nope\n', 'c.yaml')), /^c\.yaml:1:\d+: /);
});

s('YAML 1.1 octal, as Compose reads it', () => {
  const [tree] = parseComposeYaml('mode: 0755\nother: 0o644\ns: "0755"\n', 'c.yaml');
  assert.equal(tree, { mode: 0o755, other: 0o644, s: '0755' });
});

s('several documents in one file', () => {
  const docs = parseComposeYaml('a: 1\n---\nb: 2\n', 'c.yaml');
  assert.equal(docs, [{ a: 1 }, { b: 2 }]);
});

s('a numeric or boolean key is refused as compose-go does; a quoted one is text', () => {
  assert.is(errorOf(() => parseComposeYaml('labels:\n  1: one\n', 'c.yaml')), 'c.yaml:2:3: non-string key in labels: 1');
  assert.is(errorOf(() => parseComposeYaml('true: x\n', 'c.yaml')), 'c.yaml:1:1: non-string key at top level: true');
  const [tree] = parseComposeYaml('labels:\n  "1": one\n', 'c.yaml');
  assert.equal(tree, { labels: { '1': 'one' } });
});

s.run();
