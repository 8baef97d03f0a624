import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { canonicalJson, serviceConfigHash } from '../../src/compose/config-hash.js';
import { toModel } from '../../src/compose/model.js';
import type { ServiceConfig } from '../../src/compose/model.js';
import { normalizeProject } from '../../src/compose/normalize.js';
import { parseComposeYaml } from '../../src/compose/parse.js';

const s = suite('config-hash');

function service(text: string, name = 'web'): ServiceConfig {
  const tree = parseComposeYaml(text, 'compose.yaml')[0]!;
  return toModel(normalizeProject(tree, { projectName: 'demo', projectDir: '/proj', env: {}, resolvePaths: false })).services[name]!;
}

const BASE = `services:
  web:
    image: nginx
    environment: {A: "1", B: "2"}
    ports:
      - {mode: ingress, target: 80, published: "8080", protocol: tcp}
`;

s('a sha256 hex digest, stable across loads', () => {
  const h = serviceConfigHash(service(BASE));
  assert.match(h, /^[0-9a-f]{64}$/);
  assert.is(serviceConfigHash(service(BASE)), h);
});

s('independent of key order', () => {
  const reordered = `services:
  web:
    ports:
      - {protocol: tcp, published: "8080", target: 80, mode: ingress}
    environment: {B: "2", A: "1"}
    image: nginx
`;
  assert.is(serviceConfigHash(service(reordered)), serviceConfigHash(service(BASE)));
});

s('changes with what the container runs', () => {
  assert.is.not(serviceConfigHash(service(BASE.replace('"2"', '"3"'))), serviceConfigHash(service(BASE)));
  assert.is.not(serviceConfigHash(service(BASE.replace('nginx', 'nginx:2'))), serviceConfigHash(service(BASE)));
});

s('leaves out build, pull_policy, scale, deploy.replicas, depends_on and profiles', () => {
  const withExtras = `services:
  web:
    image: nginx
    environment: {A: "1", B: "2"}
    ports:
      - {mode: ingress, target: 80, published: "8080", protocol: tcp}
    build: {context: .}
    pull_policy: always
    scale: 3
    profiles: [x]
    depends_on:
      db: {condition: service_started, required: true}
  db: {image: pg}
`;
  assert.is(serviceConfigHash(service(withExtras)), serviceConfigHash(service(BASE)));
  const a = service(BASE.replace('image: nginx', 'image: nginx\n    deploy: {replicas: 2}'));
  const b = service(BASE.replace('image: nginx', 'image: nginx\n    deploy: {replicas: 5}'));
  assert.is(serviceConfigHash(a), serviceConfigHash(b));
});

s('canonicalJson sorts keys at every level', () => {
  assert.is(canonicalJson({ b: [{ d: 1, c: null }], a: 'x', u: undefined }), '{"a":"x","b":[{"c":null,"d":1}]}');
});

s.run();
