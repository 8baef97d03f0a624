import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { parseDotenv } from '../../src/compose/dotenv.js';
import { ComposeError, ComposeErrors } from '../../src/util/errors.js';

const s = suite('dotenv');

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/dotenv/${name}`, import.meta.url));
const parse = (text: string, vars: Record<string, string> = {}) =>
  parseDotenv(text, 'x.env', (n) => (Object.hasOwn(vars, n) ? vars[n] : undefined));

function errorsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ComposeErrors) return e.errors.map((x) => x.format());
    if (e instanceof ComposeError) return [e.format()];
    throw e;
  }
  throw new Error('expected an error');
}

s('the syntax fixture, as compose-go reads it', () => {
  const file = fixture('syntax.env');
  const warnings: string[] = [];
  const env = parseDotenv(readFileSync(file, 'utf8'), file, (n) => ({ OS_VAR: 'from-os', INHERITED: 'inherited-os' } as Record<string, string>)[n], { warn: (m) => warnings.push(m) });
  assert.equal(env, {
    PLAIN: 'value',
    EXPORTED: 'exported',
    INDENTED: 'spaced out',
    YAML_STYLE: 'colon value',
    EMPTY: '',
    INLINE: 'value',
    HASH: 'value#not-a-comment',
    SINGLE: 'literal $PLAIN \\n # kept',
    SINGLE_ESCAPED: "it's",
    DOUBLE: 'tab\tnewline\nquote"backslash\\dollar$PLAIN',
    DOUBLE_EXPANDED: 'value-value',
    MULTI: 'first line\nsecond line',
    UNQUOTED_REF: 'value_and_exported',
    FROM_LOOKUP: 'from-os',
    DEFAULTED: 'fallback',
    DOLLAR: 'cost $5',
    INHERITED: 'inherited-os',
    QUOTED_COMMENT: 'a # b',
  });
  assert.equal(warnings, []);
});

s('CRLF line endings', () => {
  assert.equal(parseDotenv(readFileSync(fixture('crlf.env'), 'utf8'), 'crlf.env'), { CRLF: 'one', NEXT: 'two' });
});

s('a UTF-8 byte order mark is skipped', () => {
  assert.equal(parse('\uFEFFA=1'), { A: '1' });
});

s('values interpolate; single quotes do not', () => {
  assert.equal(parse('A=1\nB=$A\nC="$A"\nD=\'$A\'\nE=${A}x'), { A: '1', B: '1', C: '1', D: '$A', E: '1x' });
});

s('lookup wins over an earlier key of the same file (compose-go order)', () => {
  assert.equal(parse('A=file\nB=$A', { A: 'os' }), { A: 'file', B: 'os' });
  assert.equal(parse('B=$A\nA=later'), { B: '', A: 'later' });
});

s('a bare KEY takes its value from lookup, or is left out', () => {
  assert.equal(parse('A\nB', { A: 'os' }), { A: 'os' });
  assert.equal(parse('A', { A: 'os' }), { A: 'os' });
  assert.equal(parse('A=\nB=""\nC=\'\''), { A: '', B: '', C: '' });
});

s('export prefix and keys that only start with export', () => {
  assert.equal(parse('export A=1\nexport\tB=2\nexportC=3\nexport_D=4'), { A: '1', B: '2', exportC: '3', export_D: '4' });
});

s('key characters: letters, digits, _ . - [ ]', () => {
  assert.equal(parse('a.b=1\na-b=2\na[0]=3\nárvíz=4\n_x=5'), { 'a.b': '1', 'a-b': '2', 'a[0]': '3', árvíz: '4', _x: '5' });
});

s('values keep = and :', () => {
  assert.equal(parse('URL=postgres://h:5432/db?sslmode=disable\nA: b=c'), { URL: 'postgres://h:5432/db?sslmode=disable', A: 'b=c' });
});

s('comments: whole lines, inline after a space, after a closing quote', () => {
  assert.equal(parse('# top\n  # indented\nA=1 # c\nB=x#y\nC="q" # c\nD=\'q#\' # c\n#last'), { A: '1', B: 'x#y', C: 'q', D: 'q#' });
});

s('double-quote escapes', () => {
  assert.equal(parse('A="a\\nb\\tc\\\\d\\"e\\$f\\rg"'), { A: 'a\nb\tc\\d"e$f\rg' });
  assert.equal(parse('A="\\0101\\q"'), { A: 'A\\q' }, 'octal \\0NNN; unknown escapes stay');
  assert.equal(parse('A="x\\${B} ${B}"', { B: 'b' }), { A: 'x${B} b' });
  assert.equal(parse('A="ends in backslash\\\\"'), { A: 'ends in backslash\\' });
});

s('single quotes are literal except for an escaped quote', () => {
  assert.equal(parse("A='a\\nb\\\\c ${X} \\'q\\''"), { A: "a\\nb\\\\c ${X} 'q'" });
});

s('multi-line double-quoted values', () => {
  assert.equal(parse('A="line 1\nline 2"\nB=after'), { A: 'line 1\nline 2', B: 'after' });
});

s('unset variables warn like in Compose files', () => {
  const warnings: string[] = [];
  parseDotenv('A=$NOPE', 'x.env', () => undefined, { warn: (m) => warnings.push(m) });
  assert.equal(warnings, ['The "NOPE" variable is not set. Defaulting to a blank string.']);
});

s('an unterminated quote is an error at the quote', () => {
  assert.equal(errorsOf(() => parse('A=1\nB="never closed\nC=3')), ['x.env:2:3: unterminated quoted value "never closed']);
  assert.equal(errorsOf(() => parse("A='x")), ["x.env:1:3: unterminated quoted value 'x"]);
});

s('invalid keys are errors at the character', () => {
  assert.equal(errorsOf(() => parse('A=1\n  BAD$KEY=1')), ['x.env:2:6: unexpected character "$" in variable name "BAD$KEY=1"']);
  assert.equal(errorsOf(() => parse('MY KEY=1')), ['x.env:1:1: key cannot contain a space']);
});

s('interpolation errors point at the value; several are reported together', () => {
  assert.equal(errorsOf(() => parse('A=${NEED:?set NEED}\nB="${"')), [
    'x.env:1:3: required variable NEED is missing a value: set NEED',
    'x.env:2:3: invalid interpolation format "${": you may need to escape any $ with another $',
  ]);
});

s('a key named __proto__ stays an ordinary entry', () => {
  const env = parse('__proto__=x');
  assert.is(Object.getPrototypeOf(env), Object.prototype);
  assert.is(env['__proto__'], 'x');
});

s.run();
