import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from '../harness.js';
import { parseComposeYaml } from '../../src/compose/parse.js';
import { checkConsistency, formatDuration, normalizeProject, parseDuration, toBytes } from '../../src/compose/normalize.js';
import type { NormalizeOptions } from '../../src/compose/normalize.js';
import { keyPos } from '../../src/compose/source.js';
import type { ComposeMap } from '../../src/compose/source.js';
import { ComposeError, ComposeErrors } from '../../src/util/errors.js';
import { errorOf } from './errors.js';

const s = suite('normalize');

function yaml(text: string): ComposeMap {
  return parseComposeYaml(text, 'compose.yaml')[0]!;
}

function files(contents: Record<string, string>): (path: string) => string {
  return (path) => {
    if (path in contents) return contents[path]!;
    throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  };
}

function normalize(text: string, opts: Partial<NormalizeOptions> = {}): any {
  return normalizeProject(yaml(text), { projectName: 'demo', projectDir: '/proj', env: {}, resolvePaths: false, readFile: files({}), ...opts });
}


s('a secret without a target goes to /run/secrets/<source>', () => {
  const out = normalize(`services:
  web:
    image: a
    secrets:
      - source: token
      - source: cert
        target: /etc/cert.pem
secrets:
  token: {file: ./token}
  cert: {file: ./cert}
`);
  assert.equal(out.services.web.secrets, [{ source: 'token', target: '/run/secrets/token' }, { source: 'cert', target: '/etc/cert.pem' }]);
});

s('sets the project name first and leaves the input tree alone', () => {
  const input = yaml('name: other\nservices:\n  web:\n    image: nginx\n');
  const out = normalizeProject(input, { projectName: 'demo', projectDir: '/proj', env: {}, resolvePaths: false });
  assert.equal(Object.keys(out)[0], 'name');
  assert.is(out.name, 'demo');
  assert.is((input.services as any).web.networks, undefined);
});

s('a service without networks or network_mode joins the default network, which is then declared', () => {
  const out = normalize('services:\n  web:\n    image: nginx\n  db:\n    image: pg\n    network_mode: host\n');
  assert.equal(out.services.web.networks, { default: null });
  assert.is(out.services.db.networks, undefined);
  assert.equal(out.networks, { default: { name: 'demo_default' } });
});

s('no default network when no service uses it; a declared default keeps its settings', () => {
  const none = normalize('services:\n  web:\n    image: nginx\n    networks:\n      front: null\nnetworks:\n  front: null\n');
  assert.equal(Object.keys(none.networks), ['front']);
  const declared = normalize('services:\n  web:\n    image: nginx\nnetworks:\n  default:\n    driver: overlay\n');
  assert.equal(declared.networks.default, { driver: 'overlay', name: 'demo_default' });
});

s('resource names: <project>_<key> unless set; external resources keep their key', () => {
  const out = normalize(`services:
  web:
    image: nginx
volumes:
  data: null
  named:
    name: custom
  ext:
    external: true
secrets:
  token:
    file: ./token
configs:
  conf:
    external: true
    name: shared-conf
`);
  assert.equal(out.volumes, { data: { name: 'demo_data' }, named: { name: 'custom' }, ext: { external: true, name: 'ext' } });
  assert.equal(out.secrets.token, { file: './token', name: 'demo_token' });
  assert.equal(out.configs.conf, { external: true, name: 'shared-conf' });
});

s('links, volumes_from and service: namespaces become depends_on; explicit entries win', () => {
  const out = normalize(`services:
  web:
    image: nginx
    links: [db, "cache:redis"]
    volumes_from: [data, "container:other", "logs:ro"]
    depends_on:
      db:
        condition: service_healthy
        required: true
  sidecar:
    image: x
    network_mode: "service:web"
    pid: "service:db"
  db: {image: pg}
  cache: {image: redis}
  data: {image: busybox}
  logs: {image: busybox}
`);
  assert.equal(out.services.web.depends_on, {
    db: { condition: 'service_healthy', required: true },
    cache: { condition: 'service_started', restart: true, required: true },
    data: { condition: 'service_started', restart: false, required: true },
    logs: { condition: 'service_started', restart: false, required: true },
  });
  assert.equal(out.services.sidecar.depends_on, {
    web: { condition: 'service_started', restart: true, required: true },
    db: { condition: 'service_started', restart: true, required: true },
  });
  // The implicit entry points at what the user wrote.
  assert.equal(keyPos(out.services.web.depends_on, 'cache'), { file: 'compose.yaml', line: 4, column: 17 });
  assert.equal(keyPos(out.services.sidecar.depends_on, 'web')?.line, 12);
});

s('build: context and dockerfile defaults; args without value come from the environment or go', () => {
  const out = normalize(`services:
  a:
    build:
      context: ./a
      args: {SET: null, UNSET: null, GIVEN: "1"}
  b:
    build:
      context: .
      dockerfile_inline: FROM scratch
`, { env: { SET: 'from-env' } });
  assert.equal(out.services.a.build, { context: './a', dockerfile: 'Dockerfile', args: { SET: 'from-env', GIVEN: '1' } });
  assert.equal(out.services.b.build, { context: '.', dockerfile_inline: 'FROM scratch' });
});

s('with resolvePaths, relative paths become absolute against the project directory', () => {
  const out = normalize(`services:
  a:
    build: {context: ./app}
    volumes:
      - {type: bind, source: ./src, target: /src, bind: {create_host_path: true}}
    env_file:
      - {path: ./a.env, required: true}
`, { resolvePaths: true, readFile: files({ '/proj/a.env': 'X=1\n' }) });
  assert.is(out.services.a.build.context, '/proj/app');
  assert.is(out.services.a.volumes[0].source, '/proj/src');
  assert.equal(out.services.a.environment, { X: '1' });
});

s('pull_policy if_not_present is missing', () => {
  assert.is(normalize('services:\n  a:\n    image: x\n    pull_policy: if_not_present\n').services.a.pull_policy, 'missing');
});

s('environment: a bare KEY takes the project environment value when set', () => {
  const out = normalize('services:\n  a:\n    image: x\n    environment: {SET: null, UNSET: null, GIVEN: v}\n', { env: { SET: 'yes' } });
  assert.equal(out.services.a.environment, { SET: 'yes', UNSET: null, GIVEN: 'v' });
});

s('env_file entries are read in order under explicit environment, then env_file is removed', () => {
  const out = normalize(`services:
  a:
    image: x
    environment: {B: explicit}
    env_file:
      - {path: ./one.env, required: true}
      - {path: /abs/two.env, required: true}
      - {path: ./missing.env, required: false}
`, {
    env: { HOST: 'db.local' },
    readFile: files({ '/proj/one.env': 'A=1\nB=from-file\nURL=http://${HOST}\n', '/abs/two.env': 'A=2\nC=${B}\n' }),
  });
  assert.equal(out.services.a.environment, { A: '2', B: 'explicit', URL: 'http://db.local', C: 'explicit' });
  assert.is(out.services.a.env_file, undefined);
});

s('env_file from a real directory, relative to the project directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-normalize-'));
  try {
    writeFileSync(join(dir, 'app.env'), 'GREETING=hello\n');
    const out = normalizeProject(yaml('services:\n  a:\n    image: x\n    env_file:\n      - {path: app.env, required: true}\n'), {
      projectName: 'demo', projectDir: dir, env: {}, resolvePaths: false,
    });
    assert.equal(out.services && (out.services as any).a.environment, { GREETING: 'hello' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s('a required env_file that is missing is an error at its entry', () => {
  const msg = errorOf(() => normalize('services:\n  a:\n    image: x\n    env_file:\n      - {path: ./nope.env, required: true}\n'));
  assert.is(msg, 'compose.yaml:5:9: env file /proj/nope.env not found: stat /proj/nope.env: no such file or directory');
});

s('raw env_file format takes values literally', () => {
  const out = normalize('services:\n  a:\n    image: x\n    env_file:\n      - {path: r.env, required: true, format: raw}\n', {
    readFile: files({ '/proj/r.env': 'A=${NOT} "q"\n# comment\n' }),
  });
  assert.equal(out.services.a.environment, { A: '${NOT} "q"' });
});

s('labels, annotations and sysctls are text', () => {
  const out = normalize('services:\n  a:\n    image: x\n    labels: {a: null, b: "1"}\n    sysctls: {net.core.somaxconn: 1024}\n');
  assert.equal(out.services.a.labels, { a: '', b: '1' });
  assert.equal(out.services.a.sysctls, { 'net.core.somaxconn': '1024' });
});

s('command and entrypoint strings are split into words; healthcheck test strings run in a shell', () => {
  const out = normalize(`services:
  a:
    image: x
    command: sh -c 'echo "hello world"' --flag=a\\ b
    entrypoint: ["/bin/run", "x y"]
    healthcheck:
      test: curl -f http://localhost
  b:
    image: x
    command: ""
`);
  assert.equal(out.services.a.command, ['sh', '-c', 'echo "hello world"', '--flag=a b']);
  assert.equal(out.services.a.entrypoint, ['/bin/run', 'x y']);
  assert.equal(out.services.a.healthcheck.test, ['CMD-SHELL', 'curl -f http://localhost']);
  assert.equal(out.services.b.command, []);
});

s('an unbalanced quote in a command is an error at the command', () => {
  const msg = errorOf(() => normalize('services:\n  a:\n    image: x\n    command: echo "oops\n'));
  assert.is(msg, 'compose.yaml:4:14: services.a.command: invalid command line string: "echo \\"oops"');
});

s('type casts as config prints them: bytes, durations, cpus, integers, booleans', () => {
  const out = normalize(`services:
  a:
    image: x
    mem_limit: 512m
    shm_size: 1gb
    memswap_limit: 1000
    cpus: "0.5"
    pids_limit: "100"
    privileged: "true"
    stop_grace_period: 1m
    healthcheck:
      test: [CMD, true]
      interval: 90s
      timeout: 1.5s
      start_period: 1h30m
      retries: "3"
    deploy:
      resources:
        limits: {cpus: "1.5", memory: 2G}
      restart_policy: {delay: 500ms, window: 1d}
    volumes:
      - {type: tmpfs, target: /tmp/, tmpfs: {size: 64k}}
`);
  const a = out.services.a;
  assert.is(a.mem_limit, '536870912');
  assert.is(a.shm_size, '1073741824');
  assert.is(a.memswap_limit, '1000');
  assert.is(a.cpus, 0.5);
  assert.is(a.pids_limit, 100);
  assert.is(a.privileged, true);
  assert.is(a.stop_grace_period, '1m0s');
  assert.equal(a.healthcheck, { test: ['CMD', true], interval: '1m30s', timeout: '1.5s', start_period: '1h30m0s', retries: 3 });
  assert.equal(a.deploy.resources.limits, { cpus: 1.5, memory: '2147483648' });
  assert.equal(a.deploy.restart_policy, { delay: '500ms', window: '24h0m0s' });
  assert.equal(a.volumes[0], { type: 'tmpfs', target: '/tmp', tmpfs: { size: '65536' } });
});

s('durations and sizes: Go formatting and go-units parsing', () => {
  assert.is(formatDuration(parseDuration('0')), '0s');
  assert.is(formatDuration(parseDuration('10s')), '10s');
  assert.is(formatDuration(parseDuration('2h')), '2h0m0s');
  assert.is(formatDuration(parseDuration('1m30.25s')), '1m30.25s');
  assert.is(formatDuration(parseDuration('1500us')), '1.5ms');
  assert.is(formatDuration(parseDuration('250ns')), '250ns');
  assert.is(formatDuration(parseDuration('1w')), '168h0m0s');
  assert.is(toBytes('100'), '100');
  assert.is(toBytes('1.5k'), '1536');
  assert.is(toBytes('2 MiB'), '2097152');
  assert.is(toBytes(42), '42');
});

s('invalid sizes and durations are errors with position, all reported at once', () => {
  const msg = errorOf(() => normalize('services:\n  a:\n    image: x\n    mem_limit: lots\n    stop_grace_period: 10\n'));
  assert.is(msg, 'compose.yaml:4:16: services.a.mem_limit: invalid size: \'lots\'\ncompose.yaml:5:24: services.a.stop_grace_period: missing unit in duration "10"');
});

s('consistency: undefined services, networks, volumes, secrets and configs are errors at their reference', () => {
  const tree = normalize(`services:
  web:
    image: nginx
    depends_on:
      db: {condition: service_started, required: true}
    links: [cache]
    networks:
      back: null
    volumes:
      - {type: volume, source: data, target: /data}
      - {type: volume, target: /anon}
      - {type: bind, source: ./src, target: /src}
    secrets:
      - {source: token}
    configs:
      - {source: conf}
  nothing: {}
`);
  const errors = checkConsistency(tree).map((e) => e.format());
  assert.equal(errors, [
    'compose.yaml:8:7: service "web" refers to undefined network back: invalid compose project',
    'compose.yaml:5:7: service "web" depends on undefined service "db": invalid compose project',
    'compose.yaml:6:13: service "web" depends on undefined service "cache": invalid compose project',
    'compose.yaml:10:9: service "web" refers to undefined volume data: invalid compose project',
    'compose.yaml:16:9: service "web" refers to undefined config conf: invalid compose project',
    'compose.yaml:14:9: service "web" refers to undefined secret token: invalid compose project',
    'compose.yaml:17:3: service "nothing" has neither an image nor a build context specified: invalid compose project',
  ]);
});

s('consistency: a declared project is fine', () => {
  const tree = normalize(`services:
  web:
    image: nginx
    links: [db]
    volumes:
      - {type: volume, source: data, target: /data}
  db:
    image: pg
volumes:
  data: null
`);
  assert.equal(checkConsistency(tree), []);
});

s.run();
