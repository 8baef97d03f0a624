// The text of a plain tree (mappings, sequences, strings, numbers, booleans,
// null) as the yaml library's `stringify` writes it with the options of
// `config` (YAML_OPTIONS), byte for byte, in a fraction of its time: the
// library builds a node per value and a context object per pair before
// writing anything, a fifth of what `config` of 200 services spends.
// Written here: block mappings and sequences, `{}`/`[]` when empty, and
// single-line scalars by the library's own rules (its plainString with a
// zero line width: a string is plain unless its first or last characters, an
// inner `: ` or ` #`, or a YAML 1.1 tag (`yes`, `0755`, `12:30`…) would read
// differently, and then JSON-quoted as `doubleQuotedAsJSON` asks). Anything
// else (multi-line strings, which become block scalars, `---`/`%` at the start
// of a string, keys over 1024 characters, undefined in a sequence, a value
// that is not plain data) is left to the library for the whole tree.
import { Document, stringify } from 'yaml';
import type { DocumentOptions, SchemaOptions, ToStringOptions } from 'yaml';

export const YAML_OPTIONS: DocumentOptions & SchemaOptions & ToStringOptions = {
  // YAML 1.1 rules for quoting, as Go's yaml.v3 quotes `yes`, `on`, `12:30`.
  version: '1.1',
  indent: 2,
  indentSeq: true,
  lineWidth: 0,
  minContentWidth: 0,
  nullStr: 'null',
  defaultStringType: 'PLAIN',
  defaultKeyType: 'PLAIN',
  doubleQuotedAsJSON: true,
  singleQuote: false,
};

/** Raised where the library's output depends on more than this module knows. */
class NotPlain extends Error {}

interface TagTest { default?: unknown; tag: string; test?: RegExp }

interface Schema { tags: TagTest[]; compat: TagTest[] | null }

let schema: { nonString: TagTest[]; mergeKey: boolean } | undefined;

function schemaRules(): { nonString: TagTest[]; mergeKey: boolean } {
  if (schema) return schema;
  const { tags, compat } = new Document(null, YAML_OPTIONS).schema as unknown as Schema;
  return (schema = {
    // The tags that would read a plain scalar as something else than a string (the library's `actualString` test).
    nonString: [...tags, ...(compat ?? [])].filter((t) => t.default && t.tag !== 'tag:yaml.org,2002:str' && t.test),
    // YAML 1.1's merge tag claims the string `<<` and writes it plain.
    mergeKey: tags.some((t) => t.tag === 'tag:yaml.org,2002:merge'),
  });
}

// Control characters and lone surrogates: always double-quoted.
const FORCE_QUOTE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;
// The library's plainString: what a plain scalar may not start, contain or end with.
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;

/** The text of each string met by this emitYaml call (image names, keys and the like repeat). */
const strings = new Map<string, string>();

function stringText(value: string): string {
  let text = strings.get(value);
  if (text === undefined) strings.set(value, (text = newStringText(value)));
  return text;
}

function newStringText(value: string): string {
  const rules = schemaRules();
  if (value === '<<' && rules.mergeKey) return value;
  if (value.includes('\n') || DOCUMENT_MARKER.test(value)) throw new NotPlain();
  if (FORCE_QUOTE.test(value) || NOT_PLAIN.test(value)) return JSON.stringify(value);
  for (const tag of rules.nonString) if (tag.test!.test(value)) return JSON.stringify(value);
  return value;
}

const otherScalars = new Map<unknown, string>();

/** A number or boolean (or null) as the library writes it, asked once per value. */
function otherScalarText(value: unknown): string {
  // The map would take -0 for 0.
  const key = Object.is(value, -0) ? '-0' : value;
  let text = otherScalars.get(key);
  if (text === undefined) {
    text = stringify(value, YAML_OPTIONS).replace(/\n$/, '');
    if (text.includes('\n')) throw new NotPlain();
    otherScalars.set(key, text);
  }
  return text;
}

function scalarText(value: unknown): string {
  if (typeof value === 'string') return stringText(value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return otherScalarText(value);
  throw new NotPlain();
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** `value` (a mapping or sequence with items) as a block, its later lines at `indent`. */
function blockText(value: object, indent: string): string {
  const inner = indent + '  ';
  let out = '';
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item === undefined) throw new NotPlain();
      out += (out === '' ? '- ' : `\n${indent}- `) + nodeText(item, inner);
    }
    return out;
  }
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined) continue;
    const keyText = stringText(key);
    if (keyText.length > 1024) throw new NotPlain();
    const valueText = nodeText(item, inner);
    out += (out === '' ? '' : `\n${indent}`) + keyText + ':' + (isBlock(item) ? `\n${inner}` : ' ') + valueText;
  }
  return out;
}

/** A collection with items, written as a block on lines of its own. */
function isBlock(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  for (const key in value) if ((value as Record<string, unknown>)[key] !== undefined) return true;
  return false;
}

function nodeText(value: unknown, indent: string): string {
  if (typeof value !== 'object' || value === null) return scalarText(value);
  if (!Array.isArray(value) && !isPlainObject(value)) throw new NotPlain();
  if (!isBlock(value)) return Array.isArray(value) ? '[]' : '{}';
  return blockText(value, indent);
}

/** The YAML document of `tree`: what `stringify(tree, YAML_OPTIONS)` returns. */
export function emitYaml(tree: unknown): string {
  strings.clear();
  try {
    return `${nodeText(tree, '')}\n`;
  } catch (error) {
    if (!(error instanceof NotPlain)) throw error;
    return stringify(tree, YAML_OPTIONS);
  }
}
