import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { buildDependencyGraph, startOrder, stopOrder } from '../../src/compose/graph.js';
import { toModel } from '../../src/compose/model.js';
import { normalizeProject } from '../../src/compose/normalize.js';
import { parseComposeYaml } from '../../src/compose/parse.js';
import { splitShellWords } from '../../src/compose/shell-words.js';
import { ComposeError } from '../../src/util/errors.js';
import { errorOf } from './errors.js';

const s = suite('graph');

function project(text: string) {
  const tree = parseComposeYaml(text, 'compose.yaml')[0]!;
  return toModel(normalizeProject(tree, { projectName: 'demo', projectDir: '/proj', env: {}, resolvePaths: false }));
}


const STACK = `services:
  web:
    image: nginx
    depends_on:
      api: {condition: service_started, required: true}
  api:
    image: api
    links: [db]
  db:
    image: pg
  worker:
    image: w
    volumes_from: [db]
`;

s('toModel: typed, frozen, services know their name', () => {
  const p = project(STACK);
  assert.is(p.name, 'demo');
  assert.is(p.services.web!.name, 'web');
  assert.is(p.services.web!.image, 'nginx');
  assert.equal(p.networks.default, { name: 'demo_default' });
  assert.ok(Object.isFrozen(p.services.web));
  assert.not.ok(Object.keys(p.services.web!).includes('name'));
});

s('start order puts dependencies first; stop order is the reverse', () => {
  const graph = buildDependencyGraph(project(STACK));
  const order = startOrder(graph);
  assert.ok(order.indexOf('db') < order.indexOf('api'));
  assert.ok(order.indexOf('api') < order.indexOf('web'));
  assert.ok(order.indexOf('db') < order.indexOf('worker'));
  assert.equal(stopOrder(graph), [...order].reverse());
});

s('start order of named services includes what they depend on, and only that', () => {
  const graph = buildDependencyGraph(project(STACK));
  assert.equal(startOrder(graph, ['web']), ['db', 'api', 'web']);
  assert.equal(stopOrder(graph, ['api']), ['web', 'api']);
  assert.throws(() => startOrder(graph, ['nope']), /no such service: nope/);
});

s('a cycle is an error that names it, at the depends_on entry that closes it', () => {
  const msg = errorOf(() => buildDependencyGraph(project(`services:
  web:
    image: nginx
    depends_on:
      api: {condition: service_started, required: true}
  api:
    image: api
    links: [web]
`)));
  assert.is(msg, 'compose.yaml:5:7: dependency cycle: api → web → api');
});

s('a service that depends on itself is a cycle', () => {
  const msg = errorOf(() => buildDependencyGraph(project(`services:
  web:
    image: nginx
    depends_on:
      web: {condition: service_started, required: true}
`)));
  assert.is(msg, 'compose.yaml:5:7: dependency cycle: web → web');
});

s('an optional dependency on a missing service is skipped', () => {
  const graph = buildDependencyGraph(project(`services:
  web:
    image: nginx
    depends_on:
      gone: {condition: service_started, required: false}
`));
  assert.equal(startOrder(graph), ['web']);
});

s('shell words: quotes, escapes, and the end of a command at ; & | < >', () => {
  assert.equal(splitShellWords(`a 'b c' "d \\"e\\"" f\\ g`), ['a', 'b c', 'd "e"', 'f g']);
  assert.equal(splitShellWords(`echo ''`), ['echo', '']);
  assert.equal(splitShellWords('  '), []);
  assert.equal(splitShellWords('echo a && echo b'), ['echo', 'a']);
  assert.equal(splitShellWords('echo $(date) `x y`'), ['echo', '$(date)', '`x y`']);
  assert.throws(() => splitShellWords("it's"), /invalid command line string/);
});

s.run();
