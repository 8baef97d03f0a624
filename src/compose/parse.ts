// Stage 1: YAML text → plain tree whose mappings and sequences remember
// where they were written (see source.ts). Anchors and aliases are expanded,
// `<<` merge keys applied (explicit keys win), `!reset`/`!override` recorded,
// duplicate keys refused.
import { Alias, isAlias, isMap as isYamlMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, Scalar } from 'yaml';
import type { Document, Node as YamlNode, YAMLMap, YAMLSeq } from 'yaml';
import { ComposeError, formatPath, throwIfAny } from '../util/errors.js';
import type { SourcePos } from '../util/errors.js';
import { newSource, setSource } from './source.js';
import type { ComposeMap, NodeSource, Tag } from './source.js';

/**
 * An alias bomb, not a Compose file: more than MAX_NODES nodes once aliases
 * are expanded, and most of them from aliases (more than ALIAS_RATIO times
 * the nodes written), as go-yaml judges excessive aliasing. Counted before
 * expanding anything, so the error comes at once.
 */
const MAX_NODES = 200_000;
const ALIAS_RATIO = 10;
/** Deeper than this is not a Compose file (and would exhaust the stack). */
export const MAX_DEPTH = 256;

interface Context {
  file: string;
  lines: LineCounter;
  doc: Document.Parsed;
  nodes: number;
  expanding: Set<YamlNode>;
  errors: ComposeError[];
}

/**
 * Parses a Compose file. A file with several YAML documents yields one tree
 * per document, to be merged in order like several `-f` files.
 */
export function parseComposeYaml(text: string, file: string): ComposeMap[] {
  const lines = new LineCounter();
  const docs = parseDocuments(text, lines, file);
  const list = Array.isArray(docs) ? docs : [];
  const errors: ComposeError[] = [];
  const out: ComposeMap[] = [];
  for (const doc of list) {
    for (const err of doc.errors) {
      const at = lines.linePos(err.pos[0]);
      // The yaml parser recurses per level and reports an exhausted stack as an error of the document.
      const message = /Maximum call stack/.test(err.message) ? `nesting is too deep (a Compose file has at most ${MAX_DEPTH} levels)` : firstLine(err.message);
      errors.push(new ComposeError(message, { pos: { file, line: at.line, column: at.col }, code: 'COMPOSE_YAML' }));
    }
  }
  throwIfAny(errors);
  for (const doc of list) {
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) continue;
    const ctx: Context = { file, lines, doc, nodes: 0, expanding: new Set(), errors };
    if (!isYamlMap(doc.contents)) {
      errors.push(new ComposeError('top-level object must be a mapping', { pos: posAt(ctx, doc.contents), path: [] }));
      continue;
    }
    checkSize(ctx, doc.contents);
    out.push(convert(ctx, doc.contents, []) as ComposeMap);
  }
  throwIfAny(errors);
  if (out.length === 0) throw new ComposeError('empty compose file', { pos: { file, line: 1, column: 1 }, code: 'COMPOSE_EMPTY' });
  return out;
}

function parseDocuments(text: string, lines: LineCounter, file: string) {
  try {
    return parseAllDocuments(text, { lineCounter: lines, uniqueKeys: false, merge: false, prettyErrors: false, strict: true });
  } catch (error) {
    // The yaml parser recurses per level: thousands of levels exhaust the stack.
    if (!(error instanceof RangeError)) throw error;
    throw new ComposeError(`nesting is too deep (a Compose file has at most ${MAX_DEPTH} levels)`, { pos: { file, line: 1, column: 1 }, code: 'COMPOSE_YAML' });
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

function posAt(ctx: Context, node: YamlNode | null | undefined, fallback?: SourcePos): SourcePos {
  const offset = node?.range?.[0];
  if (offset === undefined) return fallback ?? { file: ctx.file, line: 1, column: 1 };
  const at = ctx.lines.linePos(offset);
  return { file: ctx.file, line: at.line, column: at.col };
}

function tagName(node: unknown): Tag | undefined {
  const tag = (node as { tag?: string } | null)?.tag;
  return tag === '!reset' || tag === '!override' ? tag : undefined;
}

/**
 * Refuses an alias bomb or a too deep document before converting it: the
 * expanded size of each node is computed once (memoized), so this costs one
 * pass over the nodes as written.
 */
function checkSize(ctx: Context, root: YamlNode): void {
  const expanded = new Map<unknown, number>();
  const inProgress = new Set<unknown>();
  let written = 0;
  const tooDeep = (node: unknown) => new ComposeError(`nesting is too deep (a Compose file has at most ${MAX_DEPTH} levels)`, { pos: posAt(ctx, node as YamlNode), code: 'COMPOSE_YAML' });
  const size = (node: unknown, depth: number): number => {
    if (depth > MAX_DEPTH) throw tooDeep(node);
    if (isAlias(node)) {
      const target = node.resolve(ctx.doc);
      return target && !inProgress.has(target) ? size(target, depth) : 1;
    }
    const known = expanded.get(node);
    if (known !== undefined) return known;
    written++;
    let n = 1;
    if (isYamlMap(node) || isSeq(node)) {
      inProgress.add(node);
      for (const item of (node as YAMLMap | YAMLSeq).items) {
        n += isPair(item) ? size(item.key, depth + 1) + size(item.value, depth + 1) : size(item, depth + 1);
        // Capped: a bomb's counts would overflow; past the cap the verdict is known.
        if (n > MAX_NODES * ALIAS_RATIO) n = MAX_NODES * ALIAS_RATIO + 1;
      }
      inProgress.delete(node);
    }
    expanded.set(node, n);
    return n;
  };
  const total = size(root, 0);
  if (total > MAX_NODES && total > ALIAS_RATIO * written) {
    let worst: YamlNode | undefined;
    let worstSize = 0;
    visit(root, (node) => {
      if (!isAlias(node)) return;
      const n = expanded.get(node.resolve(ctx.doc)) ?? 0;
      if (n > worstSize) [worst, worstSize] = [node, n];
    });
    throw new ComposeError(`document is too large after expanding aliases (more than ${MAX_NODES} nodes, from ${written} written): excessive aliasing`, { pos: posAt(ctx, worst ?? root), code: 'COMPOSE_YAML' });
  }
}

/** Every node as written, aliases not followed (the depth was checked before). */
function visit(node: unknown, fn: (node: unknown) => void): void {
  fn(node);
  if (isYamlMap(node) || isSeq(node)) {
    for (const item of (node as YAMLMap | YAMLSeq).items) {
      if (isPair(item)) {
        visit(item.key, fn);
        visit(item.value, fn);
      } else visit(item, fn);
    }
  }
}

function convert(ctx: Context, node: unknown, path: Array<string | number>): unknown {
  ++ctx.nodes;
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return convertAlias(ctx, node, path);
  if (isScalar(node)) return scalarValue(node);
  if (isYamlMap(node)) return convertMap(ctx, node, path);
  if (isSeq(node)) return convertSeq(ctx, node, path);
  return null;
}

function convertAlias(ctx: Context, alias: Alias, path: Array<string | number>): unknown {
  const target = alias.resolve(ctx.doc);
  if (!target) {
    ctx.errors.push(new ComposeError(`unknown anchor "${alias.source}"`, { pos: posAt(ctx, alias), path }));
    return null;
  }
  if (ctx.expanding.has(target)) {
    ctx.errors.push(new ComposeError(`anchor "${alias.source}" refers to itself`, { pos: posAt(ctx, alias), path }));
    return null;
  }
  ctx.expanding.add(target);
  try {
    return convert(ctx, target, path);
  } finally {
    ctx.expanding.delete(target);
  }
}

function scalarValue(node: Scalar): unknown {
  const v = node.value;
  // YAML 1.1 octal (`0755`), as Compose (go-yaml) reads it.
  if (typeof v === 'number' && node.type === Scalar.PLAIN && typeof node.source === 'string' && /^0[0-7]+$/.test(node.source)) {
    return parseInt(node.source, 8);
  }
  if (typeof v === 'bigint') return Number(v);
  return v;
}

function keyString(ctx: Context, key: unknown, path: Array<string | number>): string | undefined {
  if (isScalar(key)) {
    const v = key.value;
    if (v === null || typeof v === 'object') {
      ctx.errors.push(new ComposeError(`a mapping key must be a string, got ${v === null ? 'null' : typeof v}`, { pos: posAt(ctx, key), path }));
      return undefined;
    }
    if (typeof v !== 'string') {
      // compose-go refuses `1:` or `true:` as a key (loader.convertToStringKeysRecursive); quote it to mean text.
      const where = path.length === 0 ? 'at top level' : `in ${formatPath(path)}`;
      ctx.errors.push(new ComposeError(`non-string key ${where}: ${String(v)}`, { pos: posAt(ctx, key), path, code: 'COMPOSE_YAML' }));
      return undefined;
    }
    return v;
  }
  if (isAlias(key)) {
    const target = key.resolve(ctx.doc);
    if (isScalar(target)) return keyString(ctx, target, path);
  }
  ctx.errors.push(new ComposeError('a mapping key must be a string', { pos: posAt(ctx, key as YamlNode), path }));
  return undefined;
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && key.value === '<<' && key.type === Scalar.PLAIN;
}

function convertMap(ctx: Context, node: YAMLMap, path: Array<string | number>): ComposeMap {
  const out: ComposeMap = {};
  const src: NodeSource = newSource(posAt(ctx, node));
  setSource(out, src);
  const merges: unknown[] = [];
  for (const pair of node.items) {
    if (!isPair(pair)) continue;
    if (isMergeKey(pair.key)) {
      merges.push(pair.value);
      continue;
    }
    const key = keyString(ctx, pair.key, path);
    if (key === undefined) continue;
    const kpos = posAt(ctx, pair.key as YamlNode);
    if (Object.prototype.hasOwnProperty.call(out, key)) {
      ctx.errors.push(new ComposeError(`duplicate key "${key}" in ${formatPath(path) || 'the top-level mapping'} (first at line ${src.keys.get(key)?.line})`, {
        pos: kpos,
        path: [...path, key],
        code: 'COMPOSE_DUPLICATE_KEY',
      }));
      continue;
    }
    const value = pair.value as YamlNode | null;
    src.keys.set(key, kpos);
    src.entries.set(key, posAt(ctx, value, kpos));
    const tag = tagName(value);
    if (tag) src.tags.set(key, tag);
    out[key] = convert(ctx, value, [...path, key]);
  }
  // `<<: *a` or `<<: [*a, *b]`: keys written in the mapping win, then earlier sources win.
  for (const m of merges) {
    const sources = isSeq(m) ? m.items : [m];
    for (const s of sources) {
      const merged = convert(ctx, s, path);
      if (merged === null || typeof merged !== 'object' || Array.isArray(merged)) {
        ctx.errors.push(new ComposeError('a merge key (<<) must refer to a mapping or a list of mappings', { pos: posAt(ctx, s as YamlNode), path }));
        continue;
      }
      const msrc = (merged as { [k: symbol]: NodeSource })[Symbol.for('tscompose.source')];
      for (const [k, v] of Object.entries(merged as ComposeMap)) {
        if (Object.prototype.hasOwnProperty.call(out, k)) continue;
        out[k] = v;
        const p = msrc?.entries.get(k);
        if (p) src.entries.set(k, p);
        const kp = msrc?.keys.get(k);
        if (kp) src.keys.set(k, kp);
        const t = msrc?.tags.get(k);
        if (t) src.tags.set(k, t);
      }
    }
  }
  return out;
}

function convertSeq(ctx: Context, node: YAMLSeq, path: Array<string | number>): unknown[] {
  const out: unknown[] = [];
  const src = newSource(posAt(ctx, node));
  setSource(out, src);
  node.items.forEach((item, i) => {
    src.entries.set(i, posAt(ctx, item as YamlNode, src.pos));
    const tag = tagName(item);
    if (tag) src.tags.set(i, tag);
    out.push(convert(ctx, item, [...path, i]));
  });
  return out;
}
