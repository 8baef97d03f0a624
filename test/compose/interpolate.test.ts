import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { interpolateString, interpolateTree, listVariables } from '../../src/compose/interpolate.js';
import { parseComposeYaml } from '../../src/compose/parse.js';
import { locate } from '../../src/compose/source.js';
import type { ComposeMap } from '../../src/compose/source.js';
import { ComposeError, ComposeErrors } from '../../src/util/errors.js';

const s = suite('interpolate');

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/interpolate/${name}`, import.meta.url));
const env: Record<string, string> = { SET: 'value', EMPTY: '', OTHER: 'other' };
const lookup = (name: string) => (Object.hasOwn(env, name) ? env[name] : undefined);
const sub = (template: string) => interpolateString(template, lookup);

function errorsOf(fn: () => unknown): ComposeError[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ComposeErrors) return e.errors;
    if (e instanceof ComposeError) return [e];
    throw e;
  }
  throw new Error('expected an error');
}

function loadFixture(name: string, vars: Record<string, string>, warnings: string[] = []): ComposeMap {
  const file = fixture(name);
  const [tree] = parseComposeYaml(readFileSync(file, 'utf8'), file);
  return interpolateTree(tree!, (n) => (Object.hasOwn(vars, n) ? vars[n] : undefined), { warn: (m) => warnings.push(m) });
}

s('plain variables', () => {
  assert.is(sub('$SET'), 'value');
  assert.is(sub('${SET}'), 'value');
  assert.is(sub('a-$SET-b'), 'a-value-b');
  assert.is(sub('${SET}${OTHER}'), 'valueother');
  assert.is(sub('$SET_SUFFIX'), '', 'the name runs as far as name characters go');
  assert.is(sub('$SET-x'), 'value-x');
  assert.is(sub('no variables'), 'no variables');
});

s('a $ that starts no expression stays as written', () => {
  assert.is(sub('price: 5$'), 'price: 5$');
  assert.is(sub('$1 and $ alone'), '$1 and $ alone');
});

s('$$ is a literal $', () => {
  assert.is(sub('$$SET'), '$SET');
  assert.is(sub('$${SET}'), '${SET}');
  assert.is(sub('$$$SET'), '$value');
});

s(':- defaults when unset or empty, - only when unset', () => {
  assert.is(sub('${SET:-d}'), 'value');
  assert.is(sub('${UNSET:-d}'), 'd');
  assert.is(sub('${EMPTY:-d}'), 'd');
  assert.is(sub('${SET-d}'), 'value');
  assert.is(sub('${UNSET-d}'), 'd');
  assert.is(sub('${EMPTY-d}'), '');
  assert.is(sub('${UNSET:-}'), '');
  assert.is(sub('${UNSET:-a:b-c}'), 'a:b-c');
});

s(':+ gives the alternate when set and not empty, + when set', () => {
  assert.is(sub('${SET:+alt}'), 'alt');
  assert.is(sub('${EMPTY:+alt}'), '');
  assert.is(sub('${UNSET:+alt}'), '');
  assert.is(sub('${SET+alt}'), 'alt');
  assert.is(sub('${EMPTY+alt}'), 'alt');
  assert.is(sub('${UNSET+alt}'), '');
});

s(':? and ? pass a value through', () => {
  assert.is(sub('${SET:?msg}'), 'value');
  assert.is(sub('${SET?msg}'), 'value');
  assert.is(sub('${EMPTY?msg}'), '');
});

s(':? and ? fail with the user message', () => {
  assert.is(errorsOf(() => sub('${UNSET:?set UNSET please}'))[0]!.message, 'required variable UNSET is missing a value: set UNSET please');
  assert.is(errorsOf(() => sub('${EMPTY:?empty}'))[0]!.message, 'required variable EMPTY is missing a value: empty');
  assert.is(errorsOf(() => sub('${UNSET?}'))[0]!.message, 'required variable UNSET is missing a value');
  assert.is(errorsOf(() => sub('${UNSET:?needs $SET}'))[0]!.message, 'required variable UNSET is missing a value: needs value');
});

s('nested expressions in arguments', () => {
  assert.is(sub('${UNSET:-${SET}}'), 'value');
  assert.is(sub('${UNSET:-${UNSET2:-deep}}'), 'deep');
  assert.is(sub('${UNSET:-${UNSET2:-${OTHER}}}-tail'), 'other-tail');
  assert.is(sub('${SET:+[${OTHER}]}'), '[other]');
  assert.is(sub('${UNSET:-$SET}'), 'value');
});

s('several expressions, braces after an expression', () => {
  assert.is(sub('${UNSET:-a} and ${SET:-b}'), 'a and value');
  assert.is(sub('${UNSET-x}-${OTHER}'), 'x-other');
  assert.is(sub('${SET}}'), 'value}');
  assert.is(sub('${UNSET:-{x}}'), '{x}');
});

s('an argument is substituted even when it is not used (compose-go)', () => {
  assert.is(errorsOf(() => sub('${SET:-${UNSET:?inner}}'))[0]!.message, 'required variable UNSET is missing a value: inner');
});

s('invalid expressions are errors naming them', () => {
  for (const bad of ['${', '${SET:x}', '${}', '${1X}', 'ok ${SET', '${SET:-\nx}']) {
    const [err] = errorsOf(() => sub(bad));
    assert.ok(err!.message.startsWith(`invalid interpolation format ${JSON.stringify(bad)}`), err!.message);
    assert.match(err!.message, 'escape any $ with another $');
  }
});

s('interpolateString errors carry the position and path given', () => {
  const pos = { file: 'c.yaml', line: 3, column: 12 };
  const [err] = errorsOf(() => interpolateString('${NOPE:?missing}', lookup, { pos, path: ['services', 'web', 'image'] }));
  assert.equal(err!.pos, pos);
  assert.equal(err!.path, ['services', 'web', 'image']);
  assert.is(err!.format(), 'c.yaml:3:12: services.web.image: required variable NOPE is missing a value: missing');
});

s('unset without default warns through at.warn', () => {
  const warnings: string[] = [];
  assert.is(interpolateString('$NOPE ${NOPE} ${NOPE:-x}', lookup, { warn: (m) => warnings.push(m) }), '  x');
  assert.equal(warnings, [
    'The "NOPE" variable is not set. Defaulting to a blank string.',
    'The "NOPE" variable is not set. Defaulting to a blank string.',
  ]);
});

s('a lookup over a plain object never yields inherited members', () => {
  const plain: Record<string, string> = {};
  assert.is(interpolateString('[${constructor}]', (n) => plain[n]), '[]');
});

s('tree: values substituted, keys untouched, non-strings kept, positions kept', () => {
  const warnings: string[] = [];
  const tree = loadFixture('compose.yaml', { TAG: '1.25', READ_ONLY: 'true', PORT: '8080' }, warnings);
  const web = (tree.services as ComposeMap).web as ComposeMap;
  assert.is(tree.name, 'demo');
  assert.is(web.image, 'nginx:1.25');
  assert.equal(web.environment, { '${KEY_NOT_INTERPOLATED}': 'value', GREETING: 'hello $USER' });
  assert.equal(web.command, ['echo', '', '']);
  assert.equal(web.healthcheck, { retries: 3, disable: false });
  assert.is(tree['x-note'], '');
  assert.equal(locate(tree, ['services', 'web', 'image']), { file: fixture('compose.yaml'), line: 4, column: 12 });
  // one warning per variable, however often it is used
  assert.equal(warnings, ['The "MISSING" variable is not set. Defaulting to a blank string.']);
});

s('tree: typed attributes are cast like compose-go', () => {
  const tree = loadFixture('compose.yaml', { READ_ONLY: 'TRUE', PORT: '8080', SCALE: '3' });
  const web = (tree.services as ComposeMap).web as ComposeMap;
  assert.is(web.read_only, true);
  assert.is(web.scale, 3);
  assert.equal(web.ports, [{ target: 8080, published: '8080' }]);
});

s('tree: yes/no booleans are accepted with a warning', () => {
  const warnings: string[] = [];
  const tree = interpolateTree({ services: { web: { tty: 'yes', privileged: 'off' } }, networks: { n: { external: 'false' } } }, lookup, { warn: (m) => warnings.push(m) });
  assert.equal(tree, { services: { web: { tty: true, privileged: false } }, networks: { n: { external: false } } });
  assert.equal(warnings, [
    '"yes" for boolean is not supported by YAML 1.2, please use `true`',
    '"off" for boolean is not supported by YAML 1.2, please use `false`',
  ]);
});

s('tree: other casts (numbers, ulimits, volumes)', () => {
  const tree = interpolateTree({
    services: {
      web: {
        cpus: '0.5', pids_limit: '-1', ulimits: { nproc: '65535', nofile: { soft: '1024', hard: '2048' } },
        volumes: [{ type: 'volume', source: 'v', target: '/v', read_only: 'false', volume: { nocopy: 'true' } }],
        deploy: { replicas: '2', update_config: { max_failure_ratio: '.25' } },
      },
    },
  }, lookup, { warn: () => {} });
  assert.equal(tree.services, {
    web: {
      cpus: 0.5, pids_limit: -1, ulimits: { nproc: 65535, nofile: { soft: 1024, hard: 2048 } },
      volumes: [{ type: 'volume', source: 'v', target: '/v', read_only: false, volume: { nocopy: true } }],
      deploy: { replicas: 2, update_config: { max_failure_ratio: 0.25 } },
    },
  });
});

s('tree: every error is reported at once with its location', () => {
  const errors = errorsOf(() => loadFixture('errors.yaml', {}));
  const file = fixture('errors.yaml');
  assert.equal(errors.map((e) => [e.pos?.line, e.pos?.column, e.message]), [
    [3, 12, 'services.web.image: required variable IMAGE is missing a value: set IMAGE to the image to run'],
    [4, 14, 'services.web.command: invalid interpolation format "echo ${": you may need to escape any $ with another $'],
    [5, 11, 'services.web.user: invalid interpolation format "${USER:x}": you may need to escape any $ with another $'],
    [6, 16, 'services.web.read_only: failed to cast to expected type: invalid boolean: maybe'],
    [7, 12, 'services.web.scale: failed to cast to expected type: expected an integer, got ""'],
  ]);
  assert.ok(errors.every((e) => e.pos?.file === file));
  assert.equal(errors[0]!.path, ['services', 'web', 'image']);
});

s('listVariables: names, required, default and alternate values', () => {
  const [tree] = parseComposeYaml(`
services:
  web:
    image: "\${IMAGE:?}:\${TAG:-latest}"
    environment:
      A: \${ALT:+on}
      B: $$ESCAPED \${PLAIN}
      C: \${OUTER:-\${INNER:-x}}
      D: \${PLAIN:-later default}
      E: \${ERR?must be set, see $DOC}
`, 'c.yaml');
  assert.equal(listVariables(tree!), [
    { name: 'ALT', required: false, alternateValue: 'on' },
    { name: 'DOC', required: false },
    { name: 'ERR', required: true },
    { name: 'IMAGE', required: true },
    { name: 'INNER', required: false, defaultValue: 'x' },
    { name: 'OUTER', required: false, defaultValue: '${INNER:-x}' },
    { name: 'PLAIN', required: false, defaultValue: 'later default' },
    { name: 'TAG', required: false, defaultValue: 'latest' },
  ]);
});

s.run();
