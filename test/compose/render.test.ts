import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { compareYamlKeys, orderTree, renderYaml } from '../../src/compose/render.js';

const s = suite('render');

s('map keys sort as Go yaml.v3 sorts them', () => {
  const keys = ['discovery.type', 'ES_JAVA_OPTS', 'a10', 'a9', 'A_B', 'AB', 'b', 'a'];
  assert.equal([...keys].sort(compareYamlKeys), ['A_B', 'AB', 'ES_JAVA_OPTS', 'a', 'a9', 'a10', 'b', 'discovery.type']);
  assert.ok(compareYamlKeys('ES_JAVA_OPTS', 'discovery.type') < 0, 'upper case letters first');
  assert.ok(compareYamlKeys('a9', 'a10') < 0, 'digit runs as numbers');
  assert.ok(compareYamlKeys('A_B', 'AB') < 0, 'non-letters before letters');
});

s('struct fields keep compose-go order, user keys are sorted', () => {
  const out = orderTree({ services: { web: { image: 'x', environment: { b: '1', a: '2' }, build: { context: '.' } } }, name: 'p' }) as any;
  assert.equal(Object.keys(out), ['name', 'services']);
  assert.equal(Object.keys(out.services.web), ['build', 'environment', 'image']);
  assert.equal(Object.keys(out.services.web.environment), ['a', 'b']);
});

s('YAML output quotes what YAML 1.1 would misread, drops default create_host_path', () => {
  const text = renderYaml({ name: 'p', services: { web: { environment: { A: 'yes', B: '12:30', C: 'plain' }, volumes: [{ type: 'bind', source: '/a', target: '/b', bind: { create_host_path: true } }] } } });
  assert.match(text, 'A: "yes"');
  assert.match(text, 'B: "12:30"');
  assert.match(text, 'C: plain');
  assert.match(text, 'bind: {}');
});

s.run();
