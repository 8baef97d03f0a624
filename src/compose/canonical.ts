// Stage 6: short syntax → long syntax, one file at a time, before merge (as
// compose-go's transform/canonical.go). Every rule is keyed by the path
// pattern of the value it rewrites; `*` matches any key or index. Values the
// schema would reject anyway are left as they are. A long-form node made from
// a string gets that string's position, so later errors point at it.
import { ComposeError, formatPath, throwIfAny } from '../util/errors.js';
import type { SourcePos } from '../util/errors.js';
import { cloneTree, copyEntrySource, copyNodeSource, ensureSource, entryPos, isMap, newSource, setSource, sourceOf } from './source.js';
import type { ComposeMap } from './source.js';
import { parseDeviceSpec } from './syntax/devices.js';
import { ShortSyntaxError } from './syntax/errors.js';
import { checkHost, hostAddresses, hostsValue, parseExtraHost } from './syntax/extra-hosts.js';
import { keyValueText, splitKeyValue } from './syntax/key-value.js';
import { parsePortSpec } from './syntax/ports.js';
import { parseVolumeSpec } from './syntax/volumes.js';

export interface CanonicalOptions {
  /** Leave a value that cannot be parsed as written (interpolation is off, `${...}` may remain). */
  lenient?: boolean;
  /** Deprecation notices (`external.name`). */
  warn?: (message: string) => void;
}

type Path = Array<string | number>;

interface Context {
  path: Path;
  /** Where the value being rewritten is written. */
  pos: SourcePos | undefined;
  lenient: boolean;
  errors: ComposeError[];
  warn: (message: string) => void;
}

type Rule = (value: unknown, ctx: Context) => unknown;

// Bare `KEY` (or null) stays null: the value comes from the environment later.
const KEY_VALUE_PATHS = ['services.*.environment', 'services.*.annotations', 'services.*.sysctls', 'services.*.build.args'];

// Labels have no unset state: compose-go reads a bare `KEY` (or null) as "".
const LABEL_PATHS = [
  'services.*.labels',
  'services.*.build.labels',
  'services.*.deploy.labels',
  'networks.*.labels',
  'volumes.*.labels',
  'secrets.*.labels',
  'configs.*.labels',
];

const RULES: Record<string, Rule> = {
  'services.*.ports': ports,
  'services.*.expose': expose,
  'services.*.volumes.*': volumeMount,
  'services.*.depends_on': dependsOn,
  'services.*.networks': serviceNetworks,
  'services.*.env_file': envFile,
  'services.*.label_file': stringToList,
  'services.*.dns': stringToList,
  'services.*.dns_search': stringToList,
  'services.*.tmpfs': stringToList,
  ...Object.fromEntries(KEY_VALUE_PATHS.map((p) => [p, (v: unknown, ctx: Context) => keyValue(v, ctx)])),
  ...Object.fromEntries(LABEL_PATHS.map((p) => [p, (v: unknown, ctx: Context) => keyValue(v, ctx, { unset: '' })])),
  'services.*.build.additional_contexts': (v, ctx) => keyValue(v, ctx, { requireValue: true }),
  'services.*.build.ssh': buildSsh,
  'services.*.extra_hosts': extraHosts,
  'services.*.build.extra_hosts': extraHosts,
  'services.*.build': (v, ctx) => (typeof v === 'string' ? fromString({ context: v }, ctx.pos) : v),
  'services.*.extends': (v, ctx) => (typeof v === 'string' ? fromString({ service: v }, ctx.pos) : v),
  'services.*.devices.*': device,
  'services.*.secrets.*': fileMount,
  'services.*.configs.*': fileMount,
  'services.*.build.secrets.*': fileMount,
  'services.*.gpus': (v, ctx) => (typeof v === 'string' ? fromString([{ count: 'all' }], ctx.pos) : v),
  'networks.*': maybeExternal,
  'volumes.*': maybeExternal,
  'secrets.*': maybeExternal,
  'configs.*': maybeExternal,
  'include.*': include,
};

const PATTERNS = Object.keys(RULES).map((p) => ({ parts: p.split('.'), rule: RULES[p]! }));

/**
 * Rewrites one file's tree to the long syntax (see types.ts for the shapes).
 * Returns a new tree; the input is left untouched. Throws every parse error
 * found (`ComposeError`/`ComposeErrors`) unless `lenient`.
 */
export function canonicalizeTree(tree: ComposeMap, opts: CanonicalOptions = {}): ComposeMap {
  const root = cloneTree(tree);
  const errors: ComposeError[] = [];
  const base = { lenient: opts.lenient === true, errors, warn: opts.warn ?? (() => {}) };
  walk(root, [], base);
  throwIfAny(errors);
  return root;
}

/** `patterns`: those that match `path` so far (all of them at the root), in PATTERNS order. */
function walk(node: unknown, path: Path, base: Omit<Context, 'path' | 'pos'>, patterns: typeof PATTERNS = PATTERNS): void {
  if (typeof node !== 'object' || node === null) return;
  const container = node as Record<string | number, unknown>;
  const keys: Array<string | number> = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
  const depth = path.length;
  for (const key of keys) {
    // The patterns that may apply at or below this entry (so `x-*` and other subtrees are skipped).
    const below = patterns.filter((p) => p.parts.length > depth && segmentMatches(p.parts[depth]!, key));
    if (below.length === 0) continue;
    const childPath = [...path, key];
    const rule = below.find((p) => p.parts.length === depth + 1)?.rule;
    if (rule) container[key] = rule(container[key], { ...base, path: childPath, pos: entryPos(node, key) });
    walk(container[key], childPath, base, below);
  }
}

function segmentMatches(pattern: string, part: string | number): boolean {
  return pattern === '*' || pattern === String(part);
}

// ---------------------------------------------------------------- positions

/** Gives a node made from a string (and every node inside it) the string's position. */
function fromString<T>(value: T, pos: SourcePos | undefined): T {
  if (!pos || typeof value !== 'object' || value === null) return value;
  const src = newSource(pos);
  for (const key of Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value)) {
    src.entries.set(key, pos);
    if (typeof key === 'string') src.keys.set(key, pos);
    fromString((value as Record<string | number, unknown>)[key], pos);
  }
  setSource(value as object, src);
  return value;
}

function setEntryPos(node: object, key: string | number, pos: SourcePos | undefined): void {
  if (!pos) return;
  const src = ensureSource(node, pos);
  src.entries.set(key, pos);
  if (typeof key === 'string') src.keys.set(key, pos);
}

/** A new container standing where `old` was written. */
function like<T extends object>(old: unknown, fresh: T, pos: SourcePos | undefined): T {
  if (sourceOf(old)) copyNodeSource(old, fresh);
  else if (pos) setSource(fresh, newSource(pos));
  return fresh;
}

function setDefault(node: ComposeMap, key: string, value: unknown): void {
  if (key in node) return;
  node[key] = value;
  setEntryPos(node, key, sourceOf(node)?.pos);
}

// ---------------------------------------------------------------- errors

/** Runs `parse`; on a syntax error records it (or, lenient, returns undefined to keep the value). */
function attempt<T>(ctx: Context, path: Path, pos: SourcePos | undefined, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof ShortSyntaxError)) throw error;
    if (!ctx.lenient) ctx.errors.push(new ComposeError(`${formatPath(path)}: ${error.message}`, { pos, path }));
    return undefined;
  }
}

// ---------------------------------------------------------------- rules

function ports(value: unknown, ctx: Context): unknown {
  if (!Array.isArray(value)) return value;
  const out = like(value, [] as unknown[], ctx.pos);
  value.forEach((entry, i) => {
    const pos = entryPos(value, i);
    if (typeof entry === 'string' || typeof entry === 'number') {
      const parsed = attempt(ctx, [...ctx.path, i], pos, () => parsePortSpec(entry));
      if (parsed) {
        for (const port of parsed) {
          setEntryPos(out, out.length, pos);
          out.push(fromString(port, pos));
        }
        return;
      }
    } else if (isMap(entry)) {
      longPort(entry);
    }
    copyEntrySource(value, i, out, out.length);
    out.push(entry);
  });
  return out;
}

function longPort(port: ComposeMap): void {
  if (typeof port.published === 'number') port.published = String(port.published);
  if (typeof port.target === 'string' && /^\d+$/.test(port.target)) port.target = Number(port.target);
  setDefault(port, 'mode', 'ingress');
  setDefault(port, 'protocol', 'tcp');
}

function expose(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  value.forEach((entry, i) => {
    if (typeof entry === 'number') value[i] = String(entry);
  });
  return value;
}

function volumeMount(value: unknown, ctx: Context): unknown {
  if (typeof value !== 'string') return value;
  const parsed = attempt(ctx, ctx.path, ctx.pos, () => parseVolumeSpec(value));
  return parsed ? fromString(parsed, ctx.pos) : value;
}

function dependsOn(value: unknown, ctx: Context): unknown {
  if (Array.isArray(value)) {
    const out = like(value, {} as ComposeMap, ctx.pos);
    value.forEach((name, i) => {
      if (typeof name !== 'string') return;
      const pos = entryPos(value, i);
      out[name] = fromString({ condition: 'service_started', required: true }, pos);
      setEntryPos(out, name, pos);
    });
    return out;
  }
  if (isMap(value)) {
    for (const dep of Object.values(value)) {
      if (!isMap(dep)) continue;
      setDefault(dep, 'condition', 'service_started');
      setDefault(dep, 'required', true);
    }
  }
  return value;
}

function serviceNetworks(value: unknown, ctx: Context): unknown {
  if (!Array.isArray(value)) return value;
  const out = like(value, {} as ComposeMap, ctx.pos);
  value.forEach((name, i) => {
    if (typeof name !== 'string') return;
    out[name] = null;
    setEntryPos(out, name, entryPos(value, i));
  });
  return out;
}

function envFile(value: unknown, ctx: Context): unknown {
  const list = typeof value === 'string' ? fromString([value], ctx.pos) : value;
  if (!Array.isArray(list)) return value;
  list.forEach((entry, i) => {
    if (typeof entry === 'string') list[i] = fromString({ path: entry, required: true }, entryPos(list, i));
    else if (isMap(entry)) setDefault(entry, 'required', true);
  });
  return list;
}

function stringToList(value: unknown, ctx: Context): unknown {
  return typeof value === 'string' ? fromString([value], ctx.pos) : value;
}

interface KeyValueOptions {
  requireValue?: boolean;
  /** What a bare `KEY` or a null value becomes (default null). */
  unset?: string | null;
}

/** `[KEY=VAL, KEY]` → `{ KEY: 'VAL', KEY: null }`; mapping values as text. */
function keyValue(value: unknown, ctx: Context, opts: KeyValueOptions = {}): unknown {
  const unset = opts.unset ?? null;
  if (isMap(value)) {
    for (const [k, v] of Object.entries(value)) value[k] = keyValueText(v) ?? unset;
    return value;
  }
  if (!Array.isArray(value)) return value;
  const out = like(value, {} as ComposeMap, ctx.pos);
  let failed = false;
  value.forEach((entry, i) => {
    if (typeof entry !== 'string' && typeof entry !== 'number' && typeof entry !== 'boolean') {
      failed = true;
      return;
    }
    const pos = entryPos(value, i);
    const pair = attempt(ctx, [...ctx.path, i], pos, () => splitKeyValue(String(entry), opts));
    if (!pair) {
      failed = true;
      return;
    }
    out[pair[0]] = pair[1] ?? unset;
    setEntryPos(out, pair[0], pos);
  });
  return failed ? value : out;
}

/** `build.ssh: [default, id=path]` → `{ default: null, id: path }`. */
function buildSsh(value: unknown, ctx: Context): unknown {
  if (!Array.isArray(value)) return value;
  const out = like(value, {} as ComposeMap, ctx.pos);
  let failed = false;
  value.forEach((entry, i) => {
    const pos = entryPos(value, i);
    const pair = attempt(ctx, [...ctx.path, i], pos, () => {
      const text = String(entry);
      if (!text.includes('=') && text !== 'default') throw new ShortSyntaxError(`invalid ssh key "${text}", expected "default" or "id=path"`);
      return splitKeyValue(text);
    });
    if (!pair) {
      failed = true;
      return;
    }
    out[pair[0]] = pair[1];
    setEntryPos(out, pair[0], pos);
  });
  return failed ? value : out;
}

function extraHosts(value: unknown, ctx: Context): unknown {
  const hosts = new Map<string, { ips: string[]; pos: SourcePos | undefined }>();
  let failed = false;
  if (Array.isArray(value)) {
    value.forEach((entry, i) => {
      const pos = entryPos(value, i);
      const parsed = attempt(ctx, [...ctx.path, i], pos, () => parseExtraHost(String(entry)));
      if (!parsed) {
        failed = true;
        return;
      }
      const seen = hosts.get(parsed[0]);
      if (seen) seen.ips.push(...parsed[1]);
      else hosts.set(parsed[0], { ips: parsed[1], pos });
    });
  } else if (isMap(value)) {
    for (const [host, ips] of Object.entries(value)) {
      const pos = entryPos(value, host);
      if (!attempt(ctx, [...ctx.path, host], pos, () => checkHost(host))) {
        failed = true;
        continue;
      }
      hosts.set(host, { ips: hostAddresses(ips), pos });
    }
  } else {
    return value;
  }
  if (failed) return value;
  const out = like(value, {} as ComposeMap, ctx.pos);
  for (const [host, { ips, pos }] of hosts) {
    out[host] = fromString(hostsValue(ips), pos);
    setEntryPos(out, host, pos);
  }
  return out;
}

function device(value: unknown, ctx: Context): unknown {
  if (typeof value !== 'string') return value;
  const parsed = attempt(ctx, ctx.path, ctx.pos, () => parseDeviceSpec(value));
  return parsed ? fromString(parsed, ctx.pos) : value;
}

function fileMount(value: unknown, ctx: Context): unknown {
  return typeof value === 'string' ? fromString({ source: value }, ctx.pos) : value;
}

/** Legacy `external: { name: x }` → `external: true, name: x`. */
function maybeExternal(value: unknown, ctx: Context): unknown {
  if (!isMap(value) || !isMap(value.external)) return value;
  const external = value.external;
  const externalPos = entryPos(value, 'external');
  value.external = true;
  if (!('name' in external)) return value;
  ctx.warn(`${formatPath(ctx.path)}: external.name is deprecated. Please set name and external: true`);
  if ('name' in value && value.name !== external.name) {
    const path = [...ctx.path, 'external', 'name'];
    ctx.errors.push(new ComposeError(`${formatPath(ctx.path)}: name and external.name conflict; only use name`, { pos: entryPos(external, 'name') ?? externalPos, path }));
    return value;
  }
  if (!('name' in value)) {
    value.name = external.name;
    copyEntrySource(external, 'name', value, 'name');
  }
  return value;
}

/** `include: [a.yaml]` → `[{ path: [a.yaml] }]`; `path` and `env_file` always lists. */
function include(value: unknown, ctx: Context): unknown {
  if (typeof value === 'string') return fromString({ path: [value] }, ctx.pos);
  if (!isMap(value)) return value;
  for (const key of ['path', 'env_file']) {
    if (typeof value[key] === 'string') value[key] = fromString([value[key]], entryPos(value, key));
  }
  return value;
}
