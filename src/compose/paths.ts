// Relative local paths → absolute ones (or rebased onto another directory),
// for every attribute that names a file or directory on the host. One table
// keyed by path pattern, as compose-go's paths/resolve.go.
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { cloneTree, isMap } from './source.js';
import type { ComposeMap } from './source.js';

export interface ResolvePathsOptions {
  /** Rewrite paths relative to this directory instead of making them absolute. */
  relativeTo?: string;
  /** What `~` expands to (default: the user's home directory). */
  homeDir?: string;
  /** `tree` is the caller's own copy: change it instead of copying it first. */
  inPlace?: boolean;
}

interface Resolver {
  baseDir: string;
  relativeTo: string | undefined;
  homeDir: string;
}

type Rule = (value: unknown, r: Resolver) => unknown;

const RULES: Record<string, Rule> = {
  'services.*.build.context': (v, r) => mapString(v, (s) => (isRemoteContext(s) ? s : localPath(s, r))),
  'services.*.build.additional_contexts.*': (v, r) => mapString(v, (s) => (isRemoteContext(s) ? s : localPath(s, r))),
  'services.*.build.ssh.*': (v, r) => mapString(v, (s) => hostPath(s, r)),
  'services.*.env_file.*': (v, r) => (isMap(v) ? withField(v, 'path', (s) => localPath(s, r)) : mapString(v, (s) => localPath(s, r))),
  'services.*.label_file.*': (v, r) => mapString(v, (s) => localPath(s, r)),
  'services.*.extends.file': (v, r) => mapString(v, (s) => (s.includes('://') ? s : localPath(s, r))),
  'services.*.develop.watch.*.path': (v, r) => mapString(v, (s) => localPath(s, r)),
  'services.*.volumes.*': bindMount,
  'secrets.*.file': (v, r) => mapString(v, (s) => hostPath(s, r)),
  'configs.*.file': (v, r) => mapString(v, (s) => hostPath(s, r)),
  'include.*.path.*': (v, r) => mapString(v, (s) => localPath(s, r)),
  'include.*.project_directory': (v, r) => mapString(v, (s) => localPath(s, r)),
  'include.*.env_file.*': (v, r) => mapString(v, (s) => localPath(s, r)),
  'volumes.*': localBindVolume,
};

const PATTERNS = Object.entries(RULES).map(([p, rule]) => ({ parts: p.split('.'), rule }));

/**
 * Makes every relative local path in `tree` absolute against `baseDir` (with
 * `relativeTo`: relative to that directory instead); `~` expands to the home
 * directory. Returns a new tree (`tree` itself with `inPlace`); source positions are kept.
 */
export function resolveRelativePaths(tree: ComposeMap, baseDir: string, opts: ResolvePathsOptions = {}): ComposeMap {
  const r: Resolver = { baseDir: resolve(baseDir), relativeTo: opts.relativeTo, homeDir: opts.homeDir ?? homedir() };
  const out = opts.inPlace ? tree : cloneTree(tree);
  walk(out, [], r);
  return out;
}

/**
 * A build without `context` builds its project's directory (compose-go's
 * SetDefaultValues, applied to each project, included ones too, before its
 * paths are resolved). In place; returns `tree`.
 */
export function setDefaultBuildContext(tree: ComposeMap): ComposeMap {
  const services = tree.services;
  if (!isMap(services)) return tree;
  for (const service of Object.values(services)) {
    if (isMap(service) && isMap(service.build) && (service.build.context === undefined || service.build.context === null)) {
      service.build.context = '.';
    }
  }
  return tree;
}

/** `~` and `~/x` → the home directory (`~user` is left alone, as compose-go does). */
export function expandHome(path: string, homeDir: string = homedir()): string {
  if (path === '~') return homeDir;
  if (path.startsWith('~/')) return join(homeDir, path.slice(2));
  return path;
}

/** Git and HTTP(S) build contexts, `docker-image://…`, `service:x`: not local paths. */
export function isRemoteContext(value: string): boolean {
  if (value.includes('://') || value.startsWith('service:')) return true;
  return ['github.com/', 'git@'].some((prefix) => value.startsWith(prefix));
}

function walk(node: unknown, path: string[], r: Resolver): void {
  if (typeof node !== 'object' || node === null) return;
  const container = node as Record<string | number, unknown>;
  const keys: Array<string | number> = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
  for (const key of keys) {
    const childPath = [...path, String(key)];
    const rule = PATTERNS.find((p) => matches(p.parts, childPath))?.rule;
    if (rule) container[key] = rule(container[key], r);
    else walk(container[key], childPath, r);
  }
}

function matches(pattern: string[], path: string[]): boolean {
  return pattern.length === path.length && pattern.every((part, i) => part === '*' || part === path[i]);
}

function mapString(value: unknown, fn: (s: string) => string): unknown {
  return typeof value === 'string' && value !== '' ? fn(value) : value;
}

function withField(map: ComposeMap, key: string, fn: (s: string) => string): ComposeMap {
  map[key] = mapString(map[key], fn);
  return map;
}

/** A path Compose resolves against the working directory. */
function localPath(value: string, r: Resolver): string {
  const expanded = expandHome(value, r.homeDir);
  if (isAbsolute(expanded)) return expanded;
  const abs = join(r.baseDir, expanded);
  if (r.relativeTo === undefined) return abs;
  return relative(resolve(r.relativeTo), abs) || '.';
}

/** Like localPath, but a Windows absolute path (`C:\x`) is left as written. */
function hostPath(value: string, r: Resolver): string {
  if (/^[a-zA-Z]:[\\/]/.test(value) || value.startsWith('\\\\')) return value;
  return localPath(value, r);
}

/** `services.*.volumes[]`: only bind mounts name a host path. */
function bindMount(value: unknown, r: Resolver): unknown {
  if (!isMap(value) || value.type !== 'bind') return value;
  return withField(value, 'source', (s) => hostPath(s, r));
}

/** A `local` volume with `o: bind` is a bind mount of `device`. */
function localBindVolume(value: unknown, r: Resolver): unknown {
  if (!isMap(value) || value.driver !== 'local' || !isMap(value.driver_opts)) return value;
  const opts = value.driver_opts;
  if (opts.o !== 'bind') return value;
  withField(opts, 'device', (s) => hostPath(s, r));
  return value;
}
