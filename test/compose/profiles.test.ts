import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { parseComposeYaml } from '../../src/compose/parse.js';
import { applyProfiles, listProfiles } from '../../src/compose/profiles.js';
import type { ComposeMap } from '../../src/compose/source.js';
import { ComposeError, ComposeErrors } from '../../src/util/errors.js';
import { errorOf } from './errors.js';

const s = suite('profiles');

const PROJECT = `services:
  web:
    image: nginx
  debug:
    image: busybox
    profiles: [debug]
  admin:
    image: adminer
    profiles: [tools, debug]
    depends_on:
      db: {condition: service_started, required: true}
  db:
    image: pg
    profiles: [data]
`;

function tree(text = PROJECT): ComposeMap {
  return parseComposeYaml(text, 'compose.yaml')[0]!;
}

function active(opts: { profiles: string[]; services?: string[] }, text = PROJECT): string[] {
  return Object.keys(applyProfiles(tree(text), opts).services as ComposeMap).sort();
}


s('services without profiles are always active; others are removed', () => {
  assert.equal(active({ profiles: [] }), ['web']);
});

s('an enabled profile activates its services (from --profile or COMPOSE_PROFILES alike)', () => {
  assert.equal(active({ profiles: ['debug', 'data'] }), ['admin', 'db', 'debug', 'web']);
});

s('* enables every profile', () => {
  assert.equal(active({ profiles: ['*'] }), ['admin', 'db', 'debug', 'web']);
});

s('a service named on the command line enables its profiles and those of its dependencies', () => {
  assert.equal(active({ profiles: [], services: ['admin'] }), ['admin', 'db', 'debug', 'web']);
  assert.equal(active({ profiles: [], services: ['db'] }), ['db', 'web']);
});

s('an active service that depends on a disabled one is an error naming its profile', () => {
  const msg = errorOf(() => applyProfiles(tree(), { profiles: ['tools'] }));
  assert.is(msg, 'compose.yaml:11:7: service "admin" depends on undefined service "db": invalid compose project (service "db" is in profile "data", which is not enabled)');
});

s('a dependency that is not required may be disabled', () => {
  const text = PROJECT.replace('required: true', 'required: false');
  assert.equal(active({ profiles: ['tools'] }, text), ['admin', 'web']);
});

s('a disabled service may refer to anything', () => {
  const text = `services:
  web: {image: nginx}
  off:
    image: x
    profiles: [off]
    depends_on:
      ghost: {condition: service_started, required: true}
`;
  assert.equal(active({ profiles: [] }, text), ['web']);
});

s('positions of the services mapping survive', () => {
  const out = applyProfiles(tree(), { profiles: [] });
  const msg = errorOf(() => applyProfiles({ ...out, services: { ...(out.services as ComposeMap), x: {} } }, { profiles: [] }));
  assert.match(msg, /service "x" has neither an image nor a build context specified/);
});

s('listProfiles: every profile of the tree, sorted, once', () => {
  assert.equal(listProfiles(tree()), ['data', 'debug', 'tools']);
  assert.equal(listProfiles({}), []);
});

s.run();
