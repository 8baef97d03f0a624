import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { keyValueText, KeyValueSyntaxError, parseKeyValueList, splitKeyValue } from '../../src/compose/syntax/key-value.js';

const s = suite('syntax-key-value');

const pairs: Array<[string, [string, string | null]]> = [
  ['KEY=VAL', ['KEY', 'VAL']],
  ['KEY', ['KEY', null]],
  ['KEY=', ['KEY', '']],
  ['URL=a=b=c', ['URL', 'a=b=c']],
  ['SPACED = x', ['SPACED ', ' x']],
];

for (const [entry, expected] of pairs) {
  s(`splits ${entry}`, () => assert.equal(splitKeyValue(entry), expected));
}

s('a list becomes a map; a later entry wins', () => {
  assert.equal(parseKeyValueList(['A=1', 'B', 'A=2', 'C=']), { A: '2', B: null, C: '' });
});

s('a value may be required', () => {
  assert.throws(() => splitKeyValue('ctx', { requireValue: true }), (e: Error) => e instanceof KeyValueSyntaxError && e.message === 'expected KEY=VALUE, got "ctx"');
});

s('mapping values become text, null stays null', () => {
  assert.is(keyValueText(1), '1');
  assert.is(keyValueText(1.5), '1.5');
  assert.is(keyValueText(true), 'true');
  assert.is(keyValueText(null), null);
  assert.is(keyValueText('x'), 'x');
});

s.run();
