import * as assert from 'uvu/assert';
import { stringify } from 'yaml';
import { suite } from '../harness.js';
import { emitYaml, YAML_OPTIONS } from '../../src/compose/yaml-emit.js';

const s = suite('yaml-emit');

/** The library's text, which emitYaml must give byte for byte. */
const library = (tree: unknown) => stringify(tree, YAML_OPTIONS);

// Strings each rule of the library's plainString and of the YAML 1.1 tags decides on.
const STRINGS = [
  '', ' ', 'plain', 'sleep 100000', '100000', '0755', '0x1F', '0b101', '+1', '-1', '1_000', '1.5', '1e3', '.5', '6.8523015e+5',
  '.inf', '-.Inf', '.NaN', '12:30', '190:20:30', '2001-12-14', '2001-12-14t21:59:43.10-05:00', 'yes', 'No', 'ON', 'off', 'y', 'n',
  'true', 'False', 'null', 'Null', '~', '<<', '-', '?', '- a', '? a', '-a', '?a', ':a', 'a:', 'a: b', 'a:b', 'a #b', 'a#b', '#a',
  ' a', 'a ', '\ta', 'a\t', ',a', '[a', ']a', '{a', '}a', '&a', '*a', '!a', '|a', '>a', "'a", '"a', '%a', '@a', '`a', 'a"b', "a'b",
  'a\\b', 'é', 'ünïcödé: x', '日本語', '\u0001', 'a\u007fb', '\u0085', '\ud800', '😀', 'a=b', '${X}', '$$', 'http://x:80/a?b#c',
  'a,b', 'a[b]', 'a{b}', '/a/b:/c:ro', '80:80', '127.0.0.1:8080:80/udp', 'CMD-SHELL', 'x'.repeat(1100),
];
// Left to the library (block scalars, document markers): emitYaml must still give its text.
const FALLBACK_STRINGS = ['a\nb', 'a\n', '\n', 'line1\n  line2\n', '---', '--- a', '...', '%YAML', 'a\n---b'];
const OTHERS = [0, -0, 1, -1, 80, 0.5, 1e21, 1.5e-7, 2 ** 53, Number.NaN, Infinity, -Infinity, true, false, null];

s('every scalar as a mapping value, a sequence item, a key and a key at top level, as the library writes it', () => {
  for (const v of [...STRINGS, ...FALLBACK_STRINGS, ...OTHERS]) {
    const trees: unknown[] = [{ top: v }, { a: { b: v } }, { a: [v] }, { a: [[v], { k: v }] }];
    if (typeof v === 'string') trees.push({ [v]: 1 }, { a: { [v]: 'x' } }, { a: [{ [v]: [v] }] });
    for (const tree of trees) assert.is(emitYaml(tree), library(tree), JSON.stringify(tree));
  }
});

s('nesting, empty collections and undefined values as the library writes them', () => {
  const trees: unknown[] = [
    {},
    { a: {} },
    { a: [] },
    { a: [{}, [], [[]], [{}]] },
    { a: undefined, b: 1 },
    { a: { x: undefined } },
    { a: [1, undefined, 2] },
    { a: null, b: null },
    { services: { web: { command: ['sleep', '100000'], ports: [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }] } } },
    { a: [[1, 2], [3, [4, { b: [5] }]]] },
    { a: [{ b: { c: [{ d: 'e', f: [] }] }, g: {} }] },
    Object.assign(Object.create(null), { a: 1 }),
    { a: new Date(0) },
  ];
  for (const tree of trees) assert.is(emitYaml(tree), library(tree), JSON.stringify(tree));
});

s('random trees of those scalars, as the library writes them', () => {
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const scalars = [...STRINGS, ...OTHERS];
  const node = (depth: number): unknown => {
    const kind = depth > 4 ? 0 : rand(3);
    if (kind === 0) return scalars[rand(scalars.length)];
    if (kind === 1) return Array.from({ length: rand(4) }, () => node(depth + 1));
    const out: Record<string, unknown> = {};
    for (let i = rand(4); i > 0; i--) out[String(scalars[rand(scalars.length)])] = node(depth + 1);
    return out;
  };
  for (let i = 0; i < 300; i++) {
    const tree = { root: node(0) };
    assert.is(emitYaml(tree), library(tree), JSON.stringify(tree));
  }
});

s.run();
