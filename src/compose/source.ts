// Source positions travel with the plain data of a Compose tree: every
// mapping and sequence that came from YAML carries a hidden (symbol-keyed,
// non-enumerable) record of where it and each of its entries were written.
// Stages that copy or merge nodes copy these records, so an error found late
// (validation, normalization) still points at the line the user wrote.
import type { ComposePath, SourcePos } from '../util/errors.js';

export type Tag = '!reset' | '!override';

export interface NodeSource {
  /** Where the mapping or sequence itself starts. */
  pos: SourcePos;
  /** Where each entry's value starts (mapping key or sequence index). */
  entries: Map<string | number, SourcePos>;
  /** Where each mapping key itself is written. */
  keys: Map<string, SourcePos>;
  /** `!reset` / `!override` written on an entry's value. */
  tags: Map<string | number, Tag>;
}

const SOURCE = Symbol.for('tscompose.source');

export type ComposeMap = { [key: string]: unknown };

export function isMap(value: unknown): value is ComposeMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function sourceOf(node: unknown): NodeSource | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  return (node as { [SOURCE]?: NodeSource })[SOURCE];
}

export function setSource(node: object, source: NodeSource): void {
  Object.defineProperty(node, SOURCE, { value: source, enumerable: false, configurable: true, writable: true });
}

export function newSource(pos: SourcePos): NodeSource {
  return { pos, entries: new Map(), keys: new Map(), tags: new Map() };
}

/** The source record of `node`, created (at `fallback`) when missing. */
export function ensureSource(node: object, fallback: SourcePos): NodeSource {
  let src = sourceOf(node);
  if (!src) {
    src = newSource(fallback);
    setSource(node, src);
  }
  return src;
}

/** Where entry `key` of `node` is, or where `node` itself is. */
export function entryPos(node: unknown, key: string | number): SourcePos | undefined {
  const src = sourceOf(node);
  return src?.entries.get(key) ?? src?.pos;
}

/** Where mapping key `key` of `node` is written (for errors about a key). */
export function keyPos(node: unknown, key: string): SourcePos | undefined {
  const src = sourceOf(node);
  return src?.keys.get(key) ?? src?.entries.get(key) ?? src?.pos;
}

export function tagOf(node: unknown, key: string | number): Tag | undefined {
  return sourceOf(node)?.tags.get(key);
}

/**
 * Copies the position (and tag) of entry `fromKey` in `from` to entry `toKey`
 * in `to`. Use whenever a value is moved from one tree to another.
 */
export function copyEntrySource(from: unknown, fromKey: string | number, to: object, toKey: string | number = fromKey): void {
  const src = sourceOf(from);
  if (!src) return;
  const dst = ensureSource(to, src.pos);
  const pos = src.entries.get(fromKey);
  if (pos) dst.entries.set(toKey, pos);
  const kpos = typeof fromKey === 'string' ? src.keys.get(fromKey) : undefined;
  if (kpos && typeof toKey === 'string') dst.keys.set(toKey, kpos);
  const tag = src.tags.get(fromKey);
  if (tag) dst.tags.set(toKey, tag);
  else dst.tags.delete(toKey);
}

/** Gives `to` the node position of `from` (entries are copied separately). */
export function copyNodeSource(from: unknown, to: object): void {
  const src = sourceOf(from);
  if (!src) return;
  const dst = sourceOf(to);
  if (dst) dst.pos = src.pos;
  else setSource(to, newSource(src.pos));
}

/**
 * The position of the deepest node along `path` that has one: the entry
 * itself when known, else the nearest enclosing mapping or sequence.
 * With `atKey`, a mapping entry resolves to where its key is written.
 */
export function locate(root: unknown, path: ComposePath, atKey = false): SourcePos | undefined {
  let node: unknown = root;
  let pos = sourceOf(root)?.pos;
  for (const part of path) {
    if (typeof node !== 'object' || node === null) break;
    const src = sourceOf(node);
    const p = atKey && typeof part === 'string' ? src?.keys.get(part) ?? src?.entries.get(part) : src?.entries.get(part);
    if (p) pos = p;
    else if (src) pos = src.pos;
    node = (node as Record<string | number, unknown>)[part as string];
    const inner = sourceOf(node);
    if (inner && !p) pos = inner.pos;
  }
  return pos;
}

/** Deep copy of a plain tree that keeps the source records. */
export function cloneTree<T>(value: T): T {
  if (Array.isArray(value)) {
    const out = value.map((v) => cloneTree(v));
    const src = sourceOf(value);
    if (src) setSource(out, cloneSource(src));
    return out as T;
  }
  if (isMap(value)) {
    const out: ComposeMap = {};
    for (const [k, v] of Object.entries(value)) out[k] = cloneTree(v);
    const src = sourceOf(value);
    if (src) setSource(out, cloneSource(src));
    return out as T;
  }
  return value;
}

function cloneSource(src: NodeSource): NodeSource {
  return { pos: src.pos, entries: new Map(src.entries), keys: new Map(src.keys), tags: new Map(src.tags) };
}
