import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { applyResets, enforceUnicity, mergeTrees } from '../../src/compose/merge.js';
import { parseComposeYaml } from '../../src/compose/parse.js';
import { locate } from '../../src/compose/source.js';
import type { ComposeMap } from '../../src/compose/source.js';
import { ComposeError, ComposeErrors } from '../../src/util/errors.js';

const s = suite('merge');

function yaml(text: string, file = 'base.yaml'): ComposeMap {
  return parseComposeYaml(text, file)[0]!;
}

function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

/** Merges two inline files and returns services.web of the result. */
function web(base: string, override: string): any {
  const merged = mergeTrees(yaml(base, 'base.yaml'), yaml(override, 'override.yaml'));
  return plain((merged.services as ComposeMap).web);
}

s('mappings merge recursively, scalars are replaced, new keys added', () => {
  const out = web(
    'services:\n  web:\n    image: a\n    restart: always\n    deploy:\n      resources:\n        limits: { cpus: "1" }\n',
    'services:\n  web:\n    image: b\n    user: me\n    deploy:\n      resources:\n        limits: { memory: 1g }\n',
  );
  assert.equal(out, { image: 'b', restart: 'always', deploy: { resources: { limits: { cpus: '1', memory: '1g' } } }, user: 'me' });
});

s('other services, networks and volumes are kept; a null override keeps the base', () => {
  const merged = plain(mergeTrees(
    yaml('services:\n  a: { image: a }\nvolumes:\n  data:\n    driver: x\n'),
    yaml('services:\n  b: { image: b }\nvolumes:\n  data:\n'),
  ));
  assert.equal(merged, { services: { a: { image: 'a' }, b: { image: 'b' } }, volumes: { data: { driver: 'x' } } });
});

s('sequences without a key are appended', () => {
  const out = web('services:\n  web:\n    security_opt: [a]\n', 'services:\n  web:\n    security_opt: [b]\n');
  assert.equal(out.security_opt, ['a', 'b']);
});

s('command, entrypoint and healthcheck.test are replaced', () => {
  const out = web(
    'services:\n  web:\n    command: [a, b]\n    entrypoint: [x]\n    healthcheck:\n      test: [CMD, a]\n      interval: 5s\n',
    'services:\n  web:\n    command: [c]\n    entrypoint: y\n    healthcheck:\n      test: [CMD, b]\n',
  );
  assert.equal(out.command, ['c']);
  assert.equal(out.entrypoint, 'y');
  assert.equal(out.healthcheck, { test: ['CMD', 'b'], interval: '5s' });
});

s('ports are unique by host ip, published port, target and protocol', () => {
  const out = web(
    'services:\n  web:\n    ports:\n      - { target: 80, published: "8080", protocol: tcp, mode: ingress }\n      - { target: 443, published: "8443", protocol: tcp, mode: ingress }\n',
    'services:\n  web:\n    ports:\n      - { target: 80, published: "8080", protocol: tcp, mode: host }\n      - { target: 80, published: "8080", protocol: udp, mode: ingress }\n',
  );
  assert.equal(out.ports, [
    { target: 80, published: '8080', protocol: 'tcp', mode: 'host' },
    { target: 443, published: '8443', protocol: 'tcp', mode: 'ingress' },
    { target: 80, published: '8080', protocol: 'udp', mode: 'ingress' },
  ]);
});

s('volumes are unique by target, the later one wins in place', () => {
  const out = web(
    'services:\n  web:\n    volumes:\n      - { type: bind, source: ./a, target: /data }\n      - { type: volume, source: logs, target: /logs }\n',
    'services:\n  web:\n    volumes:\n      - { type: bind, source: ./b, target: /data }\n      - { type: tmpfs, target: /tmp }\n',
  );
  assert.equal(out.volumes, [
    { type: 'bind', source: './b', target: '/data' },
    { type: 'volume', source: 'logs', target: '/logs' },
    { type: 'tmpfs', target: '/tmp' },
  ]);
});

s('secrets and configs are unique by target (default target from source)', () => {
  const out = web(
    'services:\n  web:\n    secrets: [{ source: a }, { source: b, target: /x }]\n    configs: [{ source: c }]\n',
    'services:\n  web:\n    secrets: [{ source: a, mode: 0400 }, { source: c, target: /x }]\n    configs: [{ source: c, target: /c }, { source: d }]\n',
  );
  assert.equal(out.secrets, [{ source: 'a', mode: 0o400 }, { source: 'c', target: '/x' }]);
  assert.equal(out.configs, [{ source: 'c', target: '/c' }, { source: 'd' }]);
});

s('devices, expose, env_file, dns, cap_add are de-duplicated', () => {
  const out = web(
    'services:\n  web:\n    devices: [{ source: /dev/a, target: /dev/x, permissions: rwm }]\n    expose: ["80", "90"]\n    env_file: [{ path: a.env, required: true }]\n    dns: [1.1.1.1]\n    cap_add: [NET_ADMIN]\n',
    'services:\n  web:\n    devices: [{ source: /dev/b, target: /dev/x, permissions: r }]\n    expose: ["90", "100"]\n    env_file: [{ path: a.env, required: false }, { path: b.env, required: true }]\n    dns: [1.1.1.1, 8.8.8.8]\n    cap_add: [NET_ADMIN, SYS_TIME]\n',
  );
  assert.equal(out.devices, [{ source: '/dev/b', target: '/dev/x', permissions: 'r' }]);
  assert.equal(out.expose, ['80', '90', '100']);
  assert.equal(out.env_file, [{ path: 'a.env', required: false }, { path: 'b.env', required: true }]);
  assert.equal(out.dns, ['1.1.1.1', '8.8.8.8']);
  assert.equal(out.cap_add, ['NET_ADMIN', 'SYS_TIME']);
});

s('key=value maps: later value wins, an unset (null) one too', () => {
  const out = web(
    'services:\n  web:\n    environment: { A: "1", B: "2", C: "3" }\n    labels: { x: a }\n    build:\n      context: .\n      args: { V: "1" }\n',
    'services:\n  web:\n    environment: { B: "20", C: null, D: "4" }\n    labels: { y: b }\n    build:\n      args: { V: "2" }\n',
  );
  assert.equal(out.environment, { A: '1', B: '20', C: null, D: '4' });
  assert.equal(out.labels, { x: 'a', y: 'b' });
  assert.equal(out.build, { context: '.', args: { V: '2' } });
});

s('extra_hosts keep every distinct address of both files', () => {
  const out = web(
    'services:\n  web:\n    extra_hosts: { a.example: 1.1.1.1, b.example: 2.2.2.2 }\n',
    'services:\n  web:\n    extra_hosts: { a.example: 1.1.1.1, b.example: 3.3.3.3, c.example: 4.4.4.4 }\n',
  );
  assert.equal(out.extra_hosts, { 'a.example': '1.1.1.1', 'b.example': ['2.2.2.2', '3.3.3.3'], 'c.example': '4.4.4.4' });
});

s('logging: same driver merges options, another driver replaces them', () => {
  const same = web(
    'services:\n  web:\n    logging: { driver: json-file, options: { max-size: 1m } }\n',
    'services:\n  web:\n    logging: { options: { max-file: "3" } }\n',
  );
  assert.equal(same.logging, { driver: 'json-file', options: { 'max-size': '1m', 'max-file': '3' } });
  const other = web(
    'services:\n  web:\n    logging: { driver: json-file, options: { max-size: 1m } }\n',
    'services:\n  web:\n    logging: { driver: syslog, options: { tag: x } }\n',
  );
  assert.equal(other.logging, { driver: 'syslog', options: { tag: 'x' } });
});

s('depends_on and service networks merge as maps', () => {
  const out = web(
    'services:\n  web:\n    depends_on:\n      db: { condition: service_started, required: true }\n    networks:\n      front:\n      back: { aliases: [a] }\n',
    'services:\n  web:\n    depends_on:\n      db: { condition: service_healthy, required: true }\n      cache: { condition: service_started, required: true }\n    networks:\n      front: { aliases: [f] }\n      back: { aliases: [a, b] }\n',
  );
  assert.equal(out.depends_on, {
    db: { condition: 'service_healthy', required: true },
    cache: { condition: 'service_started', required: true },
  });
  assert.equal(out.networks, { front: { aliases: ['f'] }, back: { aliases: ['a', 'b'] } });
});

s('build: a string context merges with a mapping', () => {
  const merged = mergeTrees({ services: { web: { build: './a' } } }, { services: { web: { build: { dockerfile: 'D' } } } });
  assert.equal(plain(merged), { services: { web: { build: { context: './a', dockerfile: 'D' } } } });
});

s('ulimits: an entry is replaced whole', () => {
  const out = web(
    'services:\n  web:\n    ulimits:\n      nofile: { soft: 1, hard: 2 }\n      nproc: 10\n',
    'services:\n  web:\n    ulimits:\n      nofile: 5\n',
  );
  assert.equal(out.ulimits, { nofile: 5, nproc: 10 });
});

s('networks.*.ipam.config merges entries by subnet', () => {
  const merged = plain(mergeTrees(
    yaml('networks:\n  n:\n    ipam:\n      config:\n        - { subnet: 10.0.0.0/24, gateway: 10.0.0.1 }\n'),
    yaml('networks:\n  n:\n    ipam:\n      config:\n        - { subnet: 10.0.0.0/24, ip_range: 10.0.0.0/25 }\n        - { subnet: 10.1.0.0/24 }\n'),
  )) as any;
  assert.equal(merged.networks.n.ipam.config, [
    { subnet: '10.0.0.0/24', gateway: '10.0.0.1', ip_range: '10.0.0.0/25' },
    { subnet: '10.1.0.0/24' },
  ]);
});

s('!reset removes the key from the result', () => {
  const out = web(
    'services:\n  web:\n    image: a\n    ports: [{ target: 80, published: "80", protocol: tcp, mode: ingress }]\n    environment: { A: "1" }\n',
    'services:\n  web:\n    ports: !reset []\n    environment: !reset {}\n',
  );
  assert.equal(out, { image: 'a' });
});

s('!reset of a key the base lacks leaves nothing behind', () => {
  const out = web('services:\n  web:\n    image: a\n', 'services:\n  web:\n    dns: !reset [1.1.1.1]\n');
  assert.equal(out, { image: 'a' });
});

s('!override replaces the base value whole', () => {
  const out = web(
    'services:\n  web:\n    environment: { A: "1", B: "2" }\n    ports: [{ target: 80, published: "80", protocol: tcp, mode: ingress }]\n',
    'services:\n  web:\n    environment: !override { C: "3" }\n    ports: !override [{ target: 81, published: "81", protocol: tcp, mode: ingress }]\n',
  );
  assert.equal(out.environment, { C: '3' });
  assert.equal(out.ports, [{ target: 81, published: '81', protocol: 'tcp', mode: 'ingress' }]);
});

s('applyResets drops tagged entries of one file, and a later merge still honours them', () => {
  const override = applyResets(yaml('services:\n  web:\n    image: b\n    ports: !reset []\n', 'override.yaml'));
  assert.equal(plain(override), { services: { web: { image: 'b' } } });
  const merged = mergeTrees(yaml('services:\n  web:\n    image: a\n    ports: [{ target: 80, protocol: tcp, mode: ingress }]\n'), override);
  assert.equal(plain(merged), { services: { web: { image: 'b' } } });
});

s('applyResets drops tagged sequence items', () => {
  const tree = applyResets(yaml('x: [a, !reset b, c]\n'));
  assert.equal(plain(tree), { x: ['a', 'c'] });
  assert.equal(locate(tree, ['x', 1])?.line, 1);
});

s('entries from the override carry its position; base entries keep theirs', () => {
  const merged = mergeTrees(
    yaml('services:\n  web:\n    image: a\n    restart: always\n    ports:\n      - { target: 80, protocol: tcp, mode: ingress }\n', 'base.yaml'),
    yaml('services:\n  web:\n    image: b\n    ports:\n      - { target: 81, protocol: tcp, mode: ingress }\n', 'override.yaml'),
  );
  assert.equal(locate(merged, ['services', 'web', 'image']), { file: 'override.yaml', line: 3, column: 12 });
  assert.equal(locate(merged, ['services', 'web', 'restart'])?.file, 'base.yaml');
  assert.equal(locate(merged, ['services', 'web', 'ports', 0])?.file, 'base.yaml');
  assert.equal(locate(merged, ['services', 'web', 'ports', 1])?.file, 'override.yaml');
});

s('inputs are not modified', () => {
  const base = yaml('services:\n  web:\n    environment: { A: "1" }\n');
  mergeTrees(base, yaml('services:\n  web:\n    environment: { B: "2" }\n'));
  assert.equal(plain(base), { services: { web: { environment: { A: '1' } } } });
});

s('a mapping overridden by a sequence is an error at the override', () => {
  let error: unknown;
  try {
    mergeTrees(yaml('services:\n  web:\n    deploy: { replicas: 1 }\n'), yaml('services:\n  web:\n    deploy: [a]\n', 'override.yaml'));
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ComposeError || error instanceof ComposeErrors);
  assert.is((error as ComposeError).format(), 'override.yaml:3:13: services.web.deploy: cannot override a mapping with a sequence');
});

s('enforceUnicity de-duplicates one file', () => {
  const tree = enforceUnicity(yaml('services:\n  web:\n    expose: ["80", "80"]\n    volumes: [{ type: volume, source: a, target: /x }, { type: volume, source: b, target: /x }]\n'));
  assert.equal(plain(tree), { services: { web: { expose: ['80'], volumes: [{ type: 'volume', source: 'b', target: '/x' }] } } });
});

s.run();
