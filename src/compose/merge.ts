// Merge of canonical trees: a later file (or an extending service) over an
// earlier one, as compose-go's override/merge.go and override/uncity.go do.
// Mappings merge recursively, sequences append, scalars are replaced; special
// cases live in two tables keyed by path pattern: MERGE_RULES (how two values
// at a path combine) and UNIQUE_BY (which sequences keep one entry per key,
// the later one winning). `!reset` drops a key, `!override` replaces a value.
import { ComposeError, formatPath, throwIfAny } from '../util/errors.js';
import type { SourcePos } from '../util/errors.js';
import { cloneTree, copyEntrySource, copyNodeSource, entryPos, isMap, newSource, setSource, sourceOf, tagOf } from './source.js';
import type { ComposeMap } from './source.js';

type Path = ReadonlyArray<string | number>;

interface Context {
  errors: ComposeError[];
  /** Where the override value being merged was written (for errors). */
  pos: SourcePos | undefined;
}

type Merger = (base: unknown, over: unknown, path: Path, ctx: Context) => unknown;

const KEY_VALUE_MAPS = [
  'services.*.environment',
  'services.*.labels',
  'services.*.annotations',
  'services.*.sysctls',
  'services.*.build.args',
  'services.*.build.labels',
  'services.*.build.additional_contexts',
  'services.*.deploy.labels',
  'networks.*.labels',
  'volumes.*.labels',
];

const SEQUENCES = ['services.*.dns', 'services.*.dns_opt', 'services.*.dns_search', 'services.*.tmpfs', 'services.*.env_file', 'services.*.label_file'];

/** How a value of the base and one of the override combine at a path. */
const MERGE_RULES: Record<string, Merger> = {
  'services.*.command': replace,
  'services.*.entrypoint': replace,
  'services.*.healthcheck.test': replace,
  'services.*.ulimits.*': replace,
  'services.*.logging': mergeLogging,
  'services.*.build': mergeBuild,
  'services.*.depends_on': (b, o, p, ctx) => mergeMaps(asMap(b, dependencyDefaults), asMap(o, dependencyDefaults), p, ctx),
  'services.*.networks': (b, o, p, ctx) => mergeMaps(asMap(b, () => null), asMap(o, () => null), p, ctx),
  'services.*.extra_hosts': mergeExtraHosts,
  'services.*.build.extra_hosts': mergeExtraHosts,
  'networks.*.ipam.config': mergeIpamConfig,
  ...Object.fromEntries(KEY_VALUE_MAPS.map((p) => [p, mergeKeyValue])),
  ...Object.fromEntries(SEQUENCES.map((p) => [p, (b: unknown, o: unknown) => appendSequences(asSequence(b), asSequence(o))])),
};

type Indexer = (entry: unknown) => string | undefined;

/** Sequences that hold one entry per key: a later entry replaces an earlier one in place. */
const UNIQUE_BY: Record<string, Indexer> = {
  'services.*.ports': portKey,
  'services.*.volumes': (v) => field(v, 'target'),
  'services.*.devices': (v) => (typeof v === 'string' ? v.split(':')[1] ?? v : field(v, 'target')),
  'services.*.secrets': mountKey('/run/secrets'),
  'services.*.configs': mountKey(''),
  'services.*.expose': (v) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined),
  'services.*.env_file': (v) => (typeof v === 'string' ? v : field(v, 'path')),
  'services.*.cap_add': keyBeforeEquals,
  'services.*.cap_drop': keyBeforeEquals,
  'services.*.dns': keyBeforeEquals,
  'services.*.dns_opt': keyBeforeEquals,
  'services.*.dns_search': keyBeforeEquals,
  'services.*.links': keyBeforeEquals,
  'services.*.profiles': keyBeforeEquals,
  'services.*.tmpfs': keyBeforeEquals,
  'services.*.networks.*.aliases': keyBeforeEquals,
  'services.*.networks.*.link_local_ips': keyBeforeEquals,
  'services.*.build.tags': keyBeforeEquals,
  'services.*.build.platforms': keyBeforeEquals,
};

const MERGE_PATTERNS = compile(MERGE_RULES);
const UNIQUE_PATTERNS = compile(UNIQUE_BY);

/**
 * Merges `override` over `base` (both canonical trees) into a new tree.
 * Entries that come from the override keep the override's source position.
 * A `!reset` entry in the override removes the key; `!override` replaces the
 * base value whole. Sequences listed in UNIQUE_BY are de-duplicated after.
 */
export function mergeTrees(base: ComposeMap, override: ComposeMap): ComposeMap {
  const ctx: Context = { errors: [], pos: undefined };
  const merged = mergeMaps(base, override, [], ctx);
  throwIfAny(ctx.errors);
  return enforceUnicity(merged);
}

/**
 * Drops every entry tagged `!reset` (in place; returns `tree`). The tag stays
 * recorded on its parent, so a later mergeTrees with this tree as the
 * override still removes the key from the base.
 */
export function applyResets<T extends ComposeMap>(tree: T): T {
  dropResets(tree);
  return tree;
}

/** De-duplicates the sequences listed in UNIQUE_BY (in place; returns `tree`). */
export function enforceUnicity<T extends ComposeMap>(tree: T): T {
  uniqueWalk(tree, []);
  return tree;
}

// ---- merge -----------------------------------------------------------------

function mergeValues(base: unknown, over: unknown, path: Path, ctx: Context): unknown {
  const rule = findRule(MERGE_PATTERNS, path);
  return rule ? rule(base, over, path, ctx) : mergeDefault(base, over, path, ctx);
}

/** Mappings merge, sequences append, anything else is replaced; a null override keeps the base. */
function mergeDefault(base: unknown, over: unknown, path: Path, ctx: Context): unknown {
  if (over === null || over === undefined) return copyOf(base);
  if (isMap(base)) {
    if (!isMap(over)) return mismatch(base, over, path, ctx);
    return mergeMaps(base, over, path, ctx);
  }
  if (Array.isArray(base)) {
    if (!Array.isArray(over)) return mismatch(base, over, path, ctx);
    return appendSequences(base, over);
  }
  return copyOf(over);
}

function mergeMaps(base: ComposeMap, over: ComposeMap, path: Path, ctx: Context): ComposeMap {
  const out: ComposeMap = {};
  startNode(out, base, over);
  for (const [key, value] of Object.entries(base)) {
    const tag = tagOf(over, key);
    if (tag === '!reset' || tagOf(base, key) === '!reset') continue;
    if (!(key in over)) {
      out[key] = copyOf(value);
      copyEntrySource(base, key, out);
    } else if (tag === '!override') {
      out[key] = copyOf(over[key]);
      copyEntrySource(over, key, out);
    } else {
      ctx.pos = entryPos(over, key);
      out[key] = mergeValues(value, over[key], [...path, key], ctx);
      // The override set this entry: errors about it point there.
      copyEntrySource(over[key] === null ? base : over, key, out);
    }
  }
  for (const [key, value] of Object.entries(over)) {
    if (key in base || tagOf(over, key) === '!reset') continue;
    out[key] = copyOf(value);
    copyEntrySource(over, key, out);
  }
  return out;
}

function appendSequences(base: unknown[], over: unknown[]): unknown[] {
  const out: unknown[] = [];
  startNode(out, base, over);
  for (const [from, list] of [[base, base], [over, over]] as const) {
    list.forEach((value, i) => {
      out.push(copyOf(value));
      copyEntrySource(from, i, out, out.length - 1);
    });
  }
  return out;
}

function replace(_base: unknown, over: unknown): unknown {
  return copyOf(over);
}

/** Options merge only when both files use the same driver (or one names none). */
function mergeLogging(base: unknown, over: unknown, path: Path, ctx: Context): unknown {
  if (!isMap(base) || !isMap(over)) return mergeDefault(base, over, path, ctx);
  if ('driver' in base && 'driver' in over && base.driver !== over.driver) return copyOf(over);
  return mergeMaps(base, over, path, ctx);
}

/** `build: dir` is `build: { context: dir }`. */
function mergeBuild(base: unknown, over: unknown, path: Path, ctx: Context): unknown {
  if (over === null || over === undefined) return copyOf(base);
  const toMap = (v: unknown): ComposeMap | undefined => {
    if (isMap(v)) return v;
    if (typeof v !== 'string') return undefined;
    const out: ComposeMap = { context: v };
    startNode(out, v);
    return out;
  };
  const b = toMap(base);
  const o = toMap(over);
  if (!b || !o) return mismatch(base, over, path, ctx);
  return mergeMaps(b, o, path, ctx);
}

/** KEY=VALUE mappings: the later file's value wins, an unset (`null`) one too. */
function mergeKeyValue(base: unknown, over: unknown): unknown {
  if (over === null || over === undefined) return copyOf(base);
  const b = asKeyValue(base);
  const o = asKeyValue(over);
  const out: ComposeMap = {};
  startNode(out, base, over);
  for (const [from, map] of [[b, b], [o, o]] as const) {
    for (const [key, value] of Object.entries(map)) {
      if (tagOf(from, key) === '!reset') continue;
      out[key] = copyOf(value);
      copyEntrySource(from, key, out);
    }
  }
  // `KEY: !reset` in the later file removes the key (applyResets has already dropped it from `o`).
  for (const [key, tag] of sourceOf(o)?.tags ?? []) if (tag === '!reset') delete out[key];
  return out;
}

/** extra_hosts: every (host, address) pair of both files, exact repeats dropped. */
function mergeExtraHosts(base: unknown, over: unknown): unknown {
  if (over === null || over === undefined) return copyOf(base);
  const b = asKeyValue(base);
  const o = asKeyValue(over);
  const out: ComposeMap = {};
  startNode(out, base, over);
  for (const [from, map] of [[b, b], [o, o]] as const) {
    for (const [host, value] of Object.entries(map)) {
      const addresses = (Array.isArray(value) ? value : [value]).map(String);
      const seen = out[host] === undefined ? [] : Array.isArray(out[host]) ? (out[host] as string[]) : [out[host] as string];
      const all = [...seen, ...addresses.filter((a) => !seen.includes(a))];
      if (!(host in out)) copyEntrySource(from, host, out);
      out[host] = all.length === 1 ? all[0] : all;
    }
  }
  return out;
}

/**
 * `networks.*.ipam.config`: entries with the same subnet merge, others are
 * added. (compose-go also drops base subnets the override does not name,
 * which reads as a bug; we keep them.)
 */
function mergeIpamConfig(base: unknown, over: unknown, path: Path, ctx: Context): unknown {
  if (!Array.isArray(base) || !Array.isArray(over)) return mergeDefault(base, over, path, ctx);
  const out = appendSequences(base, []);
  over.forEach((entry, i) => {
    const at = out.findIndex((e) => isMap(e) && isMap(entry) && e.subnet === entry.subnet);
    if (at < 0) {
      out.push(copyOf(entry));
      copyEntrySource(over, i, out, out.length - 1);
    } else {
      out[at] = mergeValues(out[at], entry, [...path, at], ctx);
      copyEntrySource(over, i, out, at);
    }
  });
  return out;
}

function mismatch(base: unknown, over: unknown, path: Path, ctx: Context): unknown {
  ctx.errors.push(new ComposeError(`${formatPath(path)}: cannot override ${kindOf(base)} with ${kindOf(over)}`, { pos: ctx.pos ?? sourceOf(over)?.pos, path }));
  return copyOf(base);
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a sequence';
  if (isMap(value)) return 'a mapping';
  if (value === null || value === undefined) return 'null';
  return `a ${typeof value}`;
}

// ---- shapes ----------------------------------------------------------------

function dependencyDefaults(): ComposeMap {
  return { condition: 'service_started', required: true };
}

/** A list of names (short syntax left as is) as a mapping name → default. */
function asMap(value: unknown, fill: () => unknown): ComposeMap {
  if (isMap(value)) return value;
  const out: ComposeMap = {};
  startNode(out, value);
  if (Array.isArray(value)) {
    value.forEach((name, i) => {
      out[String(name)] = fill();
      const pos = entryPos(value, i);
      if (pos) sourceOf(out)?.entries.set(String(name), pos);
    });
  }
  return out;
}

/** `KEY=VALUE` strings (short syntax left as is) as a mapping. */
function asKeyValue(value: unknown): ComposeMap {
  if (isMap(value)) return value;
  const out: ComposeMap = {};
  startNode(out, value);
  if (Array.isArray(value)) {
    value.forEach((entry, i) => {
      const text = String(entry);
      const eq = text.indexOf('=');
      const key = eq < 0 ? text : text.slice(0, eq);
      out[key] = eq < 0 ? null : text.slice(eq + 1);
      const pos = entryPos(value, i);
      if (pos) sourceOf(out)?.entries.set(key, pos);
    });
  }
  return out;
}

function asSequence(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value === null || value === undefined) return [];
  const out = [value];
  const pos = sourceOf(value)?.pos;
  if (pos) setSource(out, newSource(pos));
  return out;
}

// ---- unicity ---------------------------------------------------------------

function uniqueWalk(node: unknown, path: Path): void {
  if (typeof node !== 'object' || node === null) return;
  const container = node as Record<string | number, unknown>;
  const keys: Array<string | number> = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
  for (const key of keys) {
    const childPath = [...path, key];
    const child = container[key];
    const indexer = Array.isArray(child) ? findRule(UNIQUE_PATTERNS, childPath) : undefined;
    if (indexer) container[key] = dedupe(child as unknown[], indexer);
    else uniqueWalk(child, childPath);
  }
}

function dedupe(list: unknown[], indexer: Indexer): unknown[] {
  const out: unknown[] = [];
  copyNodeSource(list, out);
  const seen = new Map<string, number>();
  list.forEach((entry, i) => {
    const key = indexer(entry);
    const at = key === undefined ? undefined : seen.get(key);
    if (at === undefined) {
      out.push(entry);
      if (key !== undefined) seen.set(key, out.length - 1);
      copyEntrySource(list, i, out, out.length - 1);
    } else {
      out[at] = entry;
      copyEntrySource(list, i, out, at);
    }
  });
  return out;
}

function portKey(value: unknown): string | undefined {
  if (typeof value === 'number' || typeof value === 'string') return String(value);
  if (!isMap(value) || value.target === undefined) return undefined;
  return `${value.host_ip ?? '0.0.0.0'}:${value.published ?? ''}:${value.target}/${value.protocol ?? 'tcp'}`;
}

function mountKey(defaultDir: string): Indexer {
  return (value) => {
    if (typeof value === 'string') return `${defaultDir}/${value}`;
    if (!isMap(value)) return undefined;
    return typeof value.target === 'string' ? value.target : `${defaultDir}/${String(value.source)}`;
  };
}

function keyBeforeEquals(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const eq = value.indexOf('=');
  return eq < 0 ? value : value.slice(0, eq);
}

function field(value: unknown, key: string): string | undefined {
  return isMap(value) && typeof value[key] === 'string' ? (value[key] as string) : undefined;
}

// ---- resets ----------------------------------------------------------------

function dropResets(node: unknown): void {
  if (Array.isArray(node)) {
    const src = sourceOf(node);
    if (src && [...src.tags.values()].includes('!reset')) {
      const kept = node.map((v, i) => ({ v, i })).filter(({ i }) => src.tags.get(i) !== '!reset');
      const copy = [...node];
      const old = { entries: new Map(src.entries), tags: new Map(src.tags) };
      node.length = 0;
      src.entries.clear();
      src.tags.clear();
      kept.forEach(({ i }, j) => {
        node.push(copy[i]);
        const pos = old.entries.get(i);
        if (pos) src.entries.set(j, pos);
        const tag = old.tags.get(i);
        if (tag) src.tags.set(j, tag);
      });
    }
    node.forEach(dropResets);
    return;
  }
  if (!isMap(node)) return;
  for (const key of Object.keys(node)) {
    if (tagOf(node, key) === '!reset') delete node[key];
    else dropResets(node[key]);
  }
}

// ---- helpers ---------------------------------------------------------------

/** A copy of a value taken whole from one side, without its `!reset` entries. */
function copyOf<T>(value: T): T {
  const copy = cloneTree(value);
  dropResets(copy);
  return copy;
}

/** Gives a node built here the position of the first of `from` that has one. */
function startNode(node: object, ...from: unknown[]): void {
  const pos = from.map((f) => sourceOf(f)?.pos).find((p) => p !== undefined);
  if (pos) setSource(node, newSource(pos));
}

function compile<T>(table: Record<string, T>): Array<{ parts: string[]; rule: T }> {
  return Object.entries(table).map(([p, rule]) => ({ parts: p.split('.'), rule }));
}

function findRule<T>(patterns: Array<{ parts: string[]; rule: T }>, path: Path): T | undefined {
  return patterns.find(({ parts }) => parts.length === path.length && parts.every((part, i) => part === '*' || part === String(path[i])))?.rule;
}
