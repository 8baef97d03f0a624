import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { parseComposeYaml } from '../../src/compose/parse.js';
import { closestKey, validateComposeTree } from '../../src/compose/validate.js';
import { ComposeError, ComposeErrors } from '../../src/util/errors.js';

const s = suite('validate');

const FIXTURES = fileURLToPath(new URL('../fixtures/validate/', import.meta.url));
const CORPUS = '/work/shared/corpus';

function validateText(text: string, file = 'compose.yaml'): void {
  for (const doc of parseComposeYaml(text, file)) validateComposeTree(doc, file);
}

/** The formatted problems of `text`, one per line; '' when it is valid. */
function problems(text: string): string {
  try {
    validateText(text);
    return '';
  } catch (e) {
    if (e instanceof ComposeError || e instanceof ComposeErrors) return e.format();
    throw e;
  }
}

function composeFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...composeFiles(full));
    else if (/^(docker-)?compose[\w.-]*\.ya?ml$/.test(name)) out.push(full);
  }
  return out;
}

s('every corpus file validates', () => {
  const files = composeFiles(CORPUS);
  assert.ok(files.length > 30, `expected the corpus at ${CORPUS}`);
  const failures = files.map((f) => [f, problems(readFileSync(f, 'utf8'))]).filter(([, p]) => p !== '');
  assert.equal(failures, []);
});

// test/fixtures/validate/<case>/compose.yaml: valid unless <case>/expected-error.txt says what is reported.
for (const name of readdirSync(FIXTURES).sort()) {
  s(`fixture ${name}`, () => {
    const text = readFileSync(join(FIXTURES, name, 'compose.yaml'), 'utf8');
    const expectedFile = join(FIXTURES, name, 'expected-error.txt');
    const expected = existsSync(expectedFile) ? readFileSync(expectedFile, 'utf8').trimEnd() : '';
    assert.fixture(problems(text), expected);
  });
}

s('unknown key: positioned at the key, with a close suggestion', () => {
  assert.is(problems('services:\n  web:\n    imag: nginx\n'), 'compose.yaml:3:5: services.web: unknown key "imag" (did you mean "image"?)');
  assert.is(problems('services:\n  web:\n    image: nginx\n    zzzz: 1\n'), 'compose.yaml:4:5: services.web: unknown key "zzzz"');
  assert.is(problems('servces: {}\n'), 'compose.yaml:1:1: unknown top-level key "servces" (did you mean "services"?)');
  assert.is(problems('services:\n  web:\n    build: {context: ., dockerfil: D}\n'),
    'compose.yaml:3:25: services.web.build: unknown key "dockerfil" (did you mean "dockerfile"?)');
});

s('x- extensions are allowed where the spec allows them', () => {
  assert.is(problems('x-a: 1\nservices:\n  web:\n    image: a\n    x-b: {c: 1}\n    build: {context: ., x-c: 1}\nnetworks:\n  n: {x-d: 1}\n'), '');
});

s('restart: plain message with the allowed values', () => {
  assert.is(problems('services:\n  web:\n    image: a\n    restart: sometimes\n'),
    'compose.yaml:4:14: services.web.restart: expected one of "no", "always", "on-failure[:N]", "unless-stopped", got "sometimes"');
  for (const ok of ['no', 'always', 'on-failure', 'on-failure:3', 'unless-stopped']) {
    assert.is(problems(`services:\n  web:\n    image: a\n    restart: "${ok}"\n`), '', ok);
  }
});

s('ports: short syntax is checked by the port parser', () => {
  assert.is(problems('services:\n  web:\n    image: a\n    ports:\n      - "8080:80"\n      - "80:80:80:80"\n'),
    'compose.yaml:6:9: services.web.ports[1]: expected a port like "8080:80", got "80:80:80:80"');
  assert.match(problems('services:\n  web:\n    image: a\n    ports: ["8080:80/xyz"]\n'), /^compose\.yaml:4:13: services\.web\.ports\[0\]: /);
  assert.match(problems('services:\n  web:\n    image: a\n    ports: ["x:y"]\n'), /^compose\.yaml:4:13: services\.web\.ports\[0\]: /);
  assert.match(problems('services:\n  web:\n    image: a\n    ports: [99999]\n'), /services\.web\.ports\[0\]: /);
  assert.is(problems('services:\n  web:\n    image: a\n    ports: [true]\n'),
    'compose.yaml:4:13: services.web.ports[0]: expected a string, a number or a mapping, got a boolean');
});

s('type mismatch names both sides', () => {
  assert.is(problems('services:\n  web:\n    image: a\n    mem_limit: [1]\n'), 'compose.yaml:4:16: services.web.mem_limit: expected a string or a number, got a list');
  assert.is(problems('services: web\n'), 'compose.yaml:1:11: services: expected a mapping, got a string');
  assert.is(problems('services:\n  web:\n    image: [a]\n'), 'compose.yaml:3:12: services.web.image: expected a string, got a list');
  assert.is(problems('services:\n  web:\n    image: a\n    environment: 5\n'), 'compose.yaml:4:18: services.web.environment: expected a list or a mapping, got a number');
  assert.is(problems('services:\n  web:\n    image: a\n    environment: {A: {b: 1}}\n'),
    'compose.yaml:4:22: services.web.environment.A: expected a string, a number, a boolean or null, got a mapping');
});

s('oneOf noise collapses to the branch the user meant', () => {
  // a mapping for networks: only the mapping branch's error, not "expected a list"
  assert.is(problems('services:\n  web:\n    image: a\n    networks:\n      front: {alias: [x]}\n'),
    'compose.yaml:5:15: services.web.networks.front: unknown key "alias" (did you mean "aliases"?)');
  assert.is(problems('services:\n  web:\n    image: a\n    gpus: some\n'), 'compose.yaml:4:11: services.web.gpus: expected one of "all", got "some"');
  assert.is(problems('services:\n  web:\n    image: a\n    ulimits: {nofile: {soft: 1}}\n'),
    'compose.yaml:4:23: services.web.ulimits.nofile: missing required key "hard"');
});

s('required keys are listed together', () => {
  assert.is(problems('services:\n  web:\n    image: a\n    develop:\n      watch:\n        - target: /x\n'),
    'compose.yaml:6:11: services.web.develop.watch[0]: missing required keys "path" and "action"');
  assert.is(problems('services:\n  web:\n    image: a\n    depends_on:\n      db: {required: true}\n'),
    'compose.yaml:5:11: services.web.depends_on.db: missing required key "condition"');
});

s('names under services, networks, ulimits follow their pattern', () => {
  assert.is(problems('services:\n  "my web": {image: a}\n'), 'compose.yaml:2:3: services: invalid name "my web" (use letters, digits, ".", "_" and "-")');
  assert.is(problems('services:\n  web:\n    image: a\n    ulimits: {NOFILE: 1}\n'), 'compose.yaml:4:15: services.web.ulimits: invalid name "NOFILE" (use lowercase letters)');
});

s('durations are Go durations', () => {
  assert.is(problems('services:\n  web:\n    image: a\n    stop_grace_period: 10\n'), 'compose.yaml:4:24: services.web.stop_grace_period: expected a string, got a number');
  assert.is(problems('services:\n  web:\n    image: a\n    stop_grace_period: 1 minute\n'),
    'compose.yaml:4:24: services.web.stop_grace_period: expected a duration like "30s" or "1m30s", got "1 minute"');
  for (const ok of ['0', '10s', '1m30s', '1h', '1.5h', '300ms', '2us']) {
    assert.is(problems(`services:\n  web:\n    image: a\n    healthcheck: {interval: "${ok}"}\n`), '', ok);
  }
});

s('expose: ports and ranges', () => {
  assert.is(problems('services:\n  web:\n    image: a\n    expose: ["3000", 4000, "5000-5005/udp"]\n'), '');
  assert.is(problems('services:\n  web:\n    image: a\n    expose: ["30x"]\n'),
    'compose.yaml:4:14: services.web.expose[0]: expected a port or a range like "3000" or "3000-3005/udp", got "30x"');
});

s('duplicates in a list are reported at the second one', () => {
  assert.is(problems('services:\n  web:\n    image: a\n    dns: [a, b, a]\n'), 'compose.yaml:4:17: services.web.dns[2]: "a" is listed twice (first at [0])');
});

s('several errors are all reported, sorted by line', () => {
  let caught: unknown;
  try {
    validateText('services:\n  b:\n    image: [x]\n  a:\n    imag: x\n    restart: never\nvolumes: 3\n');
  } catch (e) {
    caught = e;
  }
  assert.instance(caught, ComposeErrors);
  const errors = (caught as ComposeErrors).errors;
  assert.equal(errors.map((e) => e.pos?.line), [3, 5, 6, 7]);
  assert.equal(errors.map((e) => e.path), [['services', 'b', 'image'], ['services', 'a', 'imag'], ['services', 'a', 'restart'], ['volumes']]);
  assert.ok(errors.every((e) => e.code === 'COMPOSE_SCHEMA'));
});

s('a single problem is a ComposeError with path and position', () => {
  try {
    validateText('services:\n  web:\n    image: a\n    cgroup: shared\n');
    assert.unreachable('should throw');
  } catch (e) {
    assert.instance(e, ComposeError);
    const err = e as ComposeError;
    assert.equal(err.path, ['services', 'web', 'cgroup']);
    assert.equal(err.pos, { file: 'compose.yaml', line: 4, column: 13 });
    assert.is(err.message, 'services.web.cgroup: expected one of "host", "private", got "shared"');
  }
});

s('values written !reset are not validated', () => {
  assert.is(problems('services:\n  web:\n    image: !reset null\n    ports: !reset []\n'), '');
  assert.match(problems('services:\n  web:\n    image: !override [a]\n'), /services\.web\.image: expected a string, got a list/);
});

s('numbers and booleans given as strings are accepted', () => {
  assert.is(problems(`services:
  web:
    image: a
    cpus: "0.5"
    scale: "2"
    init: "true"
    deploy: {replicas: "3", resources: {limits: {pids: "10"}}}
    healthcheck: {retries: "3"}
    ports: [{target: "80", published: "8080"}]
    ulimits: {nofile: "1024"}
`), '');
});

// Snippets of one service (indented under services.web) per family: valid ones pass, invalid ones fail at the path given.
const VALID: Array<[string, string]> = [
  ['build string', 'build: .'],
  ['build long', 'build: {context: ., dockerfile: D, args: [A=1], secrets: [s], ssh: {default: null}}'],
  ['deploy null', 'deploy:'],
  ['deploy resources', 'deploy: {resources: {reservations: {devices: [{driver: nvidia, count: 1, capabilities: [gpu]}]}}}'],
  ['develop watch', 'develop: {watch: [{path: ., action: "sync+restart", target: /app}]}'],
  ['healthcheck string', 'healthcheck: {test: curl -f http://x}'],
  ['healthcheck NONE', 'healthcheck: {test: [NONE]}'],
  ['logging', 'logging: {driver: json-file, options: {max-size: 10m, max-file: 3}}'],
  ['networks list', 'networks: [a, b]'],
  ['networks null entry', 'networks: {a: null, b: {aliases: [x]}}'],
  ['volumes short', 'volumes: ["./a:/a:ro", "data:/data", "/anon"]'],
  ['volumes long', 'volumes: [{type: bind, source: ., target: /a, bind: {create_host_path: true}}]'],
  ['depends_on list', 'depends_on: [db]'],
  ['env_file string', 'env_file: .env'],
  ['extra_hosts list', 'extra_hosts: ["a:1.2.3.4", "b=::1"]'],
  ['secrets long', 'secrets: [{source: s, target: /s, mode: 0400}]'],
  ['provider', 'provider: {type: model, options: {model: ai/x}}'],
  ['post_start', 'post_start: [{command: [echo, hi]}]'],
  ['models list', 'models: [llm]'],
  ['label_file', 'label_file: ./labels'],
  ['use_api_socket', 'use_api_socket: true'],
  ['gpus all', 'gpus: all'],
  ['pull_policy', 'pull_policy: if_not_present'],
  ['pid null', 'pid:'],
  ['command null', 'command:'],
  ['tmpfs string', 'tmpfs: /run'],
];

const INVALID: Array<[string, string, string]> = [
  ['build number', 'build: 1', 'services.web.build: expected a string or a mapping, got a number'],
  ['build unknown key', 'build: {contxt: .}', 'services.web.build: unknown key "contxt" (did you mean "context"?)'],
  ['deploy unknown key', 'deploy: {replica: 2}', 'services.web.deploy: unknown key "replica" (did you mean "replicas"?)'],
  ['deploy order', 'deploy: {update_config: {order: random}}', 'services.web.deploy.update_config.order: expected one of "start-first", "stop-first", got "random"'],
  ['develop action', 'develop: {watch: [{path: ., action: copy}]}',
    'services.web.develop.watch[0].action: expected one of "rebuild", "sync", "restart", "sync+restart", "sync+exec", got "copy"'],
  ['healthcheck key', 'healthcheck: {intervall: 1s}', 'services.web.healthcheck: unknown key "intervall" (did you mean "interval"?)'],
  ['healthcheck test', 'healthcheck: {test: 5}', 'services.web.healthcheck.test: expected a string or a list, got a number'],
  ['logging key', 'logging: {drivr: x}', 'services.web.logging: unknown key "drivr" (did you mean "driver"?)'],
  ['network key', 'networks: {a: {ipv4: 1.2.3.4}}', 'services.web.networks.a: unknown key "ipv4" (did you mean "ipv4_address"?)'],
  ['volume type', 'volumes: [{type: disk, target: /a}]',
    'services.web.volumes[0].type: expected one of "bind", "volume", "tmpfs", "cluster", "npipe", "image", got "disk"'],
  ['volume missing type', 'volumes: [{target: /a}]', 'services.web.volumes[0]: missing required key "type"'],
  ['volume bind key', 'volumes: [{type: bind, source: ., target: /a, bind: {selinux: x}}]', 'services.web.volumes[0].bind.selinux: expected one of "z", "Z", got "x"'],
  ['depends_on condition', 'depends_on: {db: {condition: up}}',
    'services.web.depends_on.db.condition: expected one of "service_started", "service_healthy", "service_completed_successfully", got "up"'],
  ['env_file item', 'env_file: [{required: false}]', 'services.web.env_file[0]: missing required key "path"'],
  ['secrets item', 'secrets: [{source: s, mod: 1}]', 'services.web.secrets[0]: unknown key "mod" (did you mean "mode"?)'],
  ['provider type', 'provider: {options: {}}', 'services.web.provider: missing required key "type"'],
  ['post_start command', 'post_start: [{user: root}]', 'services.web.post_start[0]: missing required key "command"'],
  ['use_api_socket list', 'use_api_socket: [1]', 'services.web.use_api_socket: expected a string or a boolean, got a list'],
  ['cpu_percent', 'cpu_percent: 150', 'services.web.cpu_percent: expected at most 100, got 150'],
  ['pull_policy', 'pull_policy: sometimes',
    'services.web.pull_policy: expected one of "always", "never", "missing", "build", "refresh", "daily", "weekly", "every_<duration>", got "sometimes"'],
  ['container_name', 'container_name: "-x"', 'services.web.container_name: expected a name of at least two letters, digits, "_", "." or "-", starting with a letter or digit, got "-x"'],
  ['extends', 'extends: {file: x.yml}', 'services.web.extends: missing required key "service"'],
  ['labels list item', 'labels: [1]', 'services.web.labels[0]: expected a string, got a number'],
  ['command mapping', 'command: {a: 1}', 'services.web.command: expected a string, a list or null, got a mapping'],
];

for (const [name, snippet] of VALID) {
  s(`valid: ${name}`, () => {
    assert.is(problems(`services:\n  web:\n    image: a\n    ${snippet}\n`), '');
  });
}

for (const [name, snippet, message] of INVALID) {
  s(`invalid: ${name}`, () => {
    const out = problems(`services:\n  web:\n    image: a\n    ${snippet}\n`);
    assert.is(out.replace(/^compose\.yaml:\d+:\d+: /, ''), message);
    assert.match(out, /^compose\.yaml:4:\d+: /);
  });
}

const TOP_INVALID: Array<[string, string, string]> = [
  ['network driver', 'networks:\n  n: {driver: [x]}\n', 'compose.yaml:2:15: networks.n.driver: expected a string, got a list'],
  ['network ipam', 'networks:\n  n: {ipam: {config: [{subnet: 10.0.0.0/8, gw: x}]}}\n', 'compose.yaml:2:44: networks.n.ipam.config[0]: unknown key "gw"'],
  ['volume key', 'volumes:\n  v: {drivers: local}\n', 'compose.yaml:2:7: volumes.v: unknown key "drivers" (did you mean "driver"?)'],
  ['secret key', 'secrets:\n  s: {fil: ./x}\n', 'compose.yaml:2:7: secrets.s: unknown key "fil" (did you mean "file"?)'],
  ['config null', 'configs:\n  c:\n', 'compose.yaml:2:5: configs.c: expected a mapping, got null'],
  ['model required', 'models:\n  m: {name: x}\n', 'compose.yaml:2:6: models.m: missing required key "model"'],
  ['include item', 'include:\n  - {path: a.yml, project_dir: x}\n', 'compose.yaml:2:19: include[0]: unknown key "project_dir" (did you mean "project_directory"?)'],
  ['include type', 'include: a.yml\n', 'compose.yaml:1:10: include: expected a list, got a string'],
  ['external', 'volumes:\n  v: {external: {nam: x}}\n', 'compose.yaml:2:18: volumes.v.external: unknown key "nam" (did you mean "name"?)'],
  ['name', 'name: [x]\n', 'compose.yaml:1:7: name: expected a string, got a list'],
];

for (const [name, text, message] of TOP_INVALID) {
  s(`invalid top-level: ${name}`, () => {
    assert.is(problems(text), message);
  });
}

s('suggestions only for close keys', () => {
  assert.is(closestKey('enviroment', ['environment', 'entrypoint']), 'environment');
  assert.is(closestKey('Image', ['image']), 'image');
  assert.is(closestKey('alias', ['aliases', 'ipv4_address']), 'aliases');
  assert.is(closestKey('project_dir', ['path', 'project_directory']), 'project_directory');
  assert.is(closestKey('foo', ['image', 'ports']), undefined);
  assert.is(closestKey('abc', ['ipc']), undefined);
});

s.run();
