import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { normalizeProjectName, resolveProjectName } from '../../src/compose/project-name.js';
import { ComposeError } from '../../src/util/errors.js';
import { errorOf } from './errors.js';

const s = suite('project-name');

const base = { env: {}, projectDir: '/work/My App' };


s('-p wins over COMPOSE_PROJECT_NAME, name: and the directory', () => {
  assert.is(resolveProjectName({ ...base, flag: 'flag', env: { COMPOSE_PROJECT_NAME: 'env' }, nameField: 'field' }), 'flag');
});

s('COMPOSE_PROJECT_NAME wins over name: and the directory; an empty one is ignored', () => {
  assert.is(resolveProjectName({ ...base, env: { COMPOSE_PROJECT_NAME: 'env' }, nameField: 'field' }), 'env');
  assert.is(resolveProjectName({ ...base, env: { COMPOSE_PROJECT_NAME: '' }, nameField: 'field' }), 'field');
});

s('name: wins over the directory', () => {
  assert.is(resolveProjectName({ ...base, nameField: 'field' }), 'field');
});

s('the directory name is normalized: lowercase, valid characters only, no leading - or _', () => {
  assert.is(resolveProjectName(base), 'myapp');
  assert.is(resolveProjectName({ env: {}, projectDir: '/x/_Web-App_2.0' }), 'web-app_20');
  assert.is(normalizeProjectName('--A.b'), 'ab');
});

s('name: is normalized as compose-go NormalizeProjectName does; only -p and COMPOSE_PROJECT_NAME must be valid', () => {
  assert.is(resolveProjectName({ ...base, nameField: 'Foo Bar' }), 'foobar');
  assert.is(resolveProjectName({ ...base, nameField: '_My.App' }), 'myapp');
  // A name: with no valid character falls back to the directory.
  assert.is(resolveProjectName({ ...base, nameField: '...' }), 'myapp');
});

s('an invalid -p or COMPOSE_PROJECT_NAME is an error with compose\'s message', () => {
  const expected = 'invalid project name "Foo Bar": must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number';
  assert.is(errorOf(() => resolveProjectName({ ...base, flag: 'Foo Bar' })), expected);
  assert.is(errorOf(() => resolveProjectName({ ...base, env: { COMPOSE_PROJECT_NAME: 'Foo Bar' } })), expected);
  assert.match(errorOf(() => resolveProjectName({ ...base, flag: '-dash' })), /invalid project name "-dash"/);
});

s('an empty result is an error', () => {
  assert.match(errorOf(() => resolveProjectName({ env: {}, projectDir: '/x/___' })), /the directory name "___" has no valid character/);
});

s.run();
