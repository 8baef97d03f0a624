import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { parse as parseYaml } from 'yaml';
import { suite } from '../harness.js';
import { canonicalizeTree } from '../../src/compose/canonical.js';
import { parseComposeYaml } from '../../src/compose/parse.js';
import { locate, tagOf } from '../../src/compose/source.js';
import type { ComposeMap } from '../../src/compose/source.js';
import { ComposeError, ComposeErrors } from '../../src/util/errors.js';
import { errorOf } from './errors.js';

const s = suite('canonical');

function canon(yaml: string, opts: { lenient?: boolean; warn?: (m: string) => void } = {}): ComposeMap {
  return canonicalizeTree(parseComposeYaml(yaml, 'compose.yaml')[0]!, opts);
}


const web = (tree: ComposeMap) => (tree.services as any).web;

s('ports: short, number and long forms; one entry per port of a range', () => {
  const tree = canon(`services:
  web:
    ports:
      - "8080-8081:80-81"
      - 3000
      - target: 443
        published: 8443
      - "127.0.0.1::53/udp"
`);
  assert.equal(web(tree).ports, [
    { mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' },
    { mode: 'ingress', target: 81, published: '8081', protocol: 'tcp' },
    { mode: 'ingress', target: 3000, protocol: 'tcp' },
    { target: 443, published: '8443', mode: 'ingress', protocol: 'tcp' },
    { mode: 'ingress', host_ip: '127.0.0.1', target: 53, protocol: 'udp' },
  ]);
  // entries made from a string point at the string, and so do their fields
  assert.equal(locate(tree, ['services', 'web', 'ports', 1]), { file: 'compose.yaml', line: 4, column: 9 });
  assert.equal(locate(tree, ['services', 'web', 'ports', 1, 'target']), { file: 'compose.yaml', line: 4, column: 9 });
  assert.equal(locate(tree, ['services', 'web', 'ports', 2]), { file: 'compose.yaml', line: 5, column: 9 });
  assert.equal(locate(tree, ['services', 'web', 'ports', 3, 'published']), { file: 'compose.yaml', line: 7, column: 20 });
  assert.equal(locate(tree, ['services', 'web', 'ports', 4]), { file: 'compose.yaml', line: 8, column: 9 });
});

s('every bad value is reported at once, at its line, with its path', () => {
  const message = errorOf(() => canon(`services:
  web:
    ports:
      - "80"
      - "80:80:80:80"
    volumes:
      - "/a::/b"
  db:
    extra_hosts:
      - "lonely"
    devices:
      - "/a:/b:rw:x"
`));
  assert.is(message, [
    'compose.yaml:5:9: services.web.ports[1]: expected a port like "8080:80", got "80:80:80:80"',
    'compose.yaml:7:9: services.web.volumes[0]: invalid volume "/a::/b": empty section between colons',
    'compose.yaml:10:9: services.db.extra_hosts[0]: invalid extra host "lonely": missing IP address (expected "host=ip")',
    'compose.yaml:12:9: services.db.devices[0]: confusing device mapping "/a:/b:rw:x", please use the long syntax',
  ].join('\n'));
});

s('a single error is a ComposeError with pos and path', () => {
  try {
    canon('services:\n  web:\n    ports: ["90-80"]\n');
  } catch (e) {
    assert.instance(e, ComposeError);
    assert.equal((e as ComposeError).path, ['services', 'web', 'ports', 0]);
    assert.equal((e as ComposeError).pos, { file: 'compose.yaml', line: 3, column: 13 });
    assert.is((e as ComposeError).message, 'services.web.ports[0]: invalid port range "90-80"');
    return;
  }
  assert.unreachable();
});

s('lenient: values that cannot be parsed stay as written', () => {
  const tree = canon(`services:
  web:
    ports:
      - "\${PORT}:80"
      - "8080:80"
    volumes:
      - "\${SRC}:/data"
      - "/x::b"
    extra_hosts: ["\${HOST}"]
`, { lenient: true });
  assert.equal(web(tree).ports, ['${PORT}:80', { mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }]);
  assert.equal(web(tree).volumes, [{ type: 'volume', source: '${SRC}', target: '/data', volume: {} }, '/x::b']);
  assert.equal(web(tree).extra_hosts, ['${HOST}']);
});

s('volumes, expose, devices, secrets and configs', () => {
  const tree = canon(`services:
  web:
    expose: [3306, "8000-8001"]
    volumes:
      - ./src:/app:ro
      - data:/data
      - type: tmpfs
        target: /tmp
    devices: ["/dev/fuse"]
    secrets: [token, { source: key, target: /k }]
    configs: [conf]
`);
  assert.equal(web(tree).expose, ['3306', '8000-8001']);
  assert.equal(web(tree).volumes, [
    { type: 'bind', source: './src', target: '/app', read_only: true, bind: { create_host_path: true } },
    { type: 'volume', source: 'data', target: '/data', volume: {} },
    { type: 'tmpfs', target: '/tmp' },
  ]);
  assert.equal(web(tree).devices, [{ source: '/dev/fuse', target: '/dev/fuse', permissions: 'rwm' }]);
  assert.equal(web(tree).secrets, [{ source: 'token' }, { source: 'key', target: '/k' }]);
  assert.equal(web(tree).configs, [{ source: 'conf' }]);
  assert.equal(locate(tree, ['services', 'web', 'volumes', 0, 'bind', 'create_host_path']), { file: 'compose.yaml', line: 5, column: 9 });
});

s('depends_on and networks lists become maps', () => {
  const tree = canon(`services:
  web:
    depends_on: [db, cache]
    networks: [front, back]
  worker:
    depends_on:
      db:
        condition: service_healthy
      cache:
        restart: true
    networks:
      front:
        aliases: [w]
      back:
`);
  assert.equal(web(tree).depends_on, {
    db: { condition: 'service_started', required: true },
    cache: { condition: 'service_started', required: true },
  });
  assert.equal(web(tree).networks, { front: null, back: null });
  const worker = (tree.services as any).worker;
  assert.equal(worker.depends_on, {
    db: { condition: 'service_healthy', required: true },
    cache: { restart: true, condition: 'service_started', required: true },
  });
  assert.equal(worker.networks, { front: { aliases: ['w'] }, back: null });
  assert.equal(locate(tree, ['services', 'web', 'depends_on', 'cache']), { file: 'compose.yaml', line: 3, column: 22 });
  assert.equal(locate(tree, ['services', 'web', 'networks', 'back']), { file: 'compose.yaml', line: 4, column: 23 });
});

s('key=value lists become maps; mapping values become text', () => {
  const tree = canon(`services:
  web:
    environment:
      - A=1
      - B
      - C=x=y
    labels:
      com.example.n: 1
      com.example.b: true
      com.example.null:
    annotations: ["a=b"]
    sysctls: ["net.core.somaxconn=1024"]
    build:
      context: .
      args: [VERSION=1, DEBUG]
      labels: ["l=v"]
      additional_contexts: ["base=docker-image://alpine"]
      ssh: [default, "key=/k"]
      extra_hosts: ["h=1.1.1.1"]
    deploy:
      labels: ["d=1"]
networks:
  n:
    labels: ["a=b"]
volumes:
  v:
    labels: ["a"]
`);
  const w = web(tree);
  assert.equal(w.environment, { A: '1', B: null, C: 'x=y' });
  assert.equal(w.labels, { 'com.example.n': '1', 'com.example.b': 'true', 'com.example.null': '' });
  assert.equal(w.annotations, { a: 'b' });
  assert.equal(w.sysctls, { 'net.core.somaxconn': '1024' });
  assert.equal(w.build, {
    context: '.',
    args: { VERSION: '1', DEBUG: null },
    labels: { l: 'v' },
    additional_contexts: { base: 'docker-image://alpine' },
    ssh: { default: null, key: '/k' },
    extra_hosts: { h: '1.1.1.1' },
  });
  assert.equal(w.deploy.labels, { d: '1' });
  assert.equal((tree.networks as any).n.labels, { a: 'b' });
  assert.equal((tree.volumes as any).v.labels, { a: '' });
  assert.equal(locate(tree, ['services', 'web', 'environment', 'B']), { file: 'compose.yaml', line: 5, column: 9 });
});

s('additional_contexts and ssh entries need a value', () => {
  const message = errorOf(() => canon(`services:
  web:
    build:
      context: .
      additional_contexts: ["base"]
      ssh: ["mykey"]
`));
  assert.is(message, [
    'compose.yaml:5:29: services.web.build.additional_contexts[0]: expected KEY=VALUE, got "base"',
    'compose.yaml:6:13: services.web.build.ssh[0]: invalid ssh key "mykey", expected "default" or "id=path"',
  ].join('\n'));
});

s('extra_hosts: list and mapping forms', () => {
  const tree = canon(`services:
  web:
    extra_hosts:
      - "somehost:162.242.195.82"
      - "otherhost=50.31.209.229"
      - "v6=[::1]"
      - "somehost=10.0.0.1"
  api:
    extra_hosts:
      a: 1.1.1.1
      b: ["[::1]", 2.2.2.2]
`);
  assert.equal(web(tree).extra_hosts, { somehost: ['162.242.195.82', '10.0.0.1'], otherhost: '50.31.209.229', v6: '::1' });
  assert.equal((tree.services as any).api.extra_hosts, { a: '1.1.1.1', b: ['::1', '2.2.2.2'] });
  assert.equal(locate(tree, ['services', 'web', 'extra_hosts', 'v6']), { file: 'compose.yaml', line: 6, column: 9 });
});

s('string-or-list attributes, env_file, build, extends, gpus', () => {
  const tree = canon(`services:
  web:
    build: ./app
    extends: base
    dns: 8.8.8.8
    dns_search: example.com
    tmpfs: /run
    label_file: ./labels
    env_file: .env
    gpus: all
  api:
    build:
      dockerfile: Dockerfile.dev
    extends: { service: base, file: common.yaml }
    dns: [1.1.1.1]
    env_file:
      - a.env
      - path: b.env
        required: false
      - path: c.env
`);
  const w = web(tree);
  assert.equal(w.build, { context: './app' });
  assert.equal(w.extends, { service: 'base' });
  assert.equal(w.dns, ['8.8.8.8']);
  assert.equal(w.dns_search, ['example.com']);
  assert.equal(w.tmpfs, ['/run']);
  assert.equal(w.label_file, ['./labels']);
  assert.equal(w.env_file, [{ path: '.env', required: true }]);
  assert.equal(w.gpus, [{ count: 'all' }]);
  const api = (tree.services as any).api;
  // no default context here: compose-go sets it after merge
  assert.equal(api.build, { dockerfile: 'Dockerfile.dev' });
  assert.equal(api.extends, { service: 'base', file: 'common.yaml' });
  assert.equal(api.dns, ['1.1.1.1']);
  assert.equal(api.env_file, [{ path: 'a.env', required: true }, { path: 'b.env', required: false }, { path: 'c.env', required: true }]);
  assert.equal(locate(tree, ['services', 'web', 'build', 'context']), { file: 'compose.yaml', line: 3, column: 12 });
  assert.equal(locate(tree, ['services', 'api', 'env_file', 0, 'path']), { file: 'compose.yaml', line: 17, column: 9 });
});

s('top-level resources: legacy external.name', () => {
  const warnings: string[] = [];
  const tree = canon(`services: {}
networks:
  front:
    external:
      name: shared-front
  back:
    external: true
  plain:
volumes:
  data:
    name: same
    external:
      name: same
  other:
    external: {}
secrets:
  s:
    file: ./s.txt
`, { warn: (m) => warnings.push(m) });
  assert.equal(tree.networks, { front: { external: true, name: 'shared-front' }, back: { external: true }, plain: null });
  assert.equal(tree.volumes, { data: { name: 'same', external: true }, other: { external: true } });
  assert.equal(tree.secrets, { s: { file: './s.txt' } });
  assert.equal(warnings, [
    'networks.front: external.name is deprecated. Please set name and external: true',
    'volumes.data: external.name is deprecated. Please set name and external: true',
  ]);
  assert.equal(locate(tree, ['networks', 'front', 'name']), { file: 'compose.yaml', line: 5, column: 13 });
});

s('name and external.name must agree', () => {
  assert.is(errorOf(() => canon(`services: {}
volumes:
  data:
    name: a
    external:
      name: b
`)), 'compose.yaml:6:13: volumes.data: name and external.name conflict; only use name');
});

s('include: strings and lists', () => {
  const tree = canon(`include:
  - ./a/compose.yaml
  - path: ./b/compose.yaml
    env_file: ./b/.env
  - path: [./c/one.yaml, ./c/two.yaml]
    project_directory: ./c
services: {}
`);
  assert.equal(tree.include, [
    { path: ['./a/compose.yaml'] },
    { path: ['./b/compose.yaml'], env_file: ['./b/.env'] },
    { path: ['./c/one.yaml', './c/two.yaml'], project_directory: './c' },
  ]);
});

s('command, entrypoint and healthcheck.test are left alone; x- extensions too', () => {
  const tree = canon(`x-ports: &p ["80"]
services:
  web:
    command: echo hi
    entrypoint: ["/bin/sh", "-c"]
    healthcheck:
      test: curl -f http://localhost
    x-ports: ["80"]
`);
  assert.equal(tree['x-ports'], ['80']);
  assert.equal(web(tree), { command: 'echo hi', entrypoint: ['/bin/sh', '-c'], healthcheck: { test: 'curl -f http://localhost' }, 'x-ports': ['80'] });
});

s('tags survive and the input tree is not changed', () => {
  const input = parseComposeYaml(`services:
  web:
    ports: !override ["8080:80"]
    environment: !reset []
`, 'compose.yaml')[0]!;
  const tree = canonicalizeTree(input);
  assert.equal(web(input).ports, ['8080:80']);
  assert.equal(web(tree).ports, [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }]);
  assert.is(tagOf(web(tree), 'ports'), '!override');
  assert.is(tagOf(web(tree), 'environment'), '!reset');
  assert.equal(web(tree).environment, {});
});

s('values of an unexpected shape are left for the schema', () => {
  const tree = canonicalizeTree({ services: { web: { ports: 'nope', volumes: [1], depends_on: 'db', environment: 3, extra_hosts: 'x' } } });
  assert.equal(web(tree), { ports: 'nope', volumes: [1], depends_on: 'db', environment: 3, extra_hosts: 'x' });
});

// Golden cases: test/fixtures/canonical/<case>/compose.yaml with expected.yaml or expected-error.txt.
const fixtures = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', 'canonical');
for (const name of existsSync(fixtures) ? readdirSync(fixtures).sort() : []) {
  const dir = join(fixtures, name);
  s(`fixture ${name}`, () => {
    const source = readFileSync(join(dir, 'compose.yaml'), 'utf8');
    const run = () => canonicalizeTree(parseComposeYaml(source, 'compose.yaml')[0]!);
    if (existsSync(join(dir, 'expected-error.txt'))) {
      assert.is(errorOf(run), readFileSync(join(dir, 'expected-error.txt'), 'utf8').trimEnd());
    } else {
      assert.equal(JSON.parse(JSON.stringify(run())), parseYaml(readFileSync(join(dir, 'expected.yaml'), 'utf8')));
    }
  });
}

s.run();
