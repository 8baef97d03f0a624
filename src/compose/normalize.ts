// Stage 8: the merged canonical tree as Docker Compose runs it (compose-go
// loader/normalize.go, types.Project.WithServicesEnvironmentResolved and the
// types' marshalling): project name, the implicit default network, resource
// names, implicit depends_on, build defaults, environment with env_file
// folded in, commands split into words, values cast as `config` prints them.
// Reference checks run after profiles (checkConsistency), as in compose-go.
import { posix, resolve as resolvePath } from 'node:path';
import { ComposeError, formatPath, throwIfAny, TscError } from '../util/errors.js';
import type { ComposePath, SourcePos } from '../util/errors.js';
import { developErrors } from './develop.js';
import { parseDotenv } from './dotenv.js';
import { resolveRelativePaths, setDefaultBuildContext } from './paths.js';
import { splitShellWords, ShellWordsError } from './shell-words.js';
import { cloneTree, ensureSource, entryPos, isMap, keyPos, newSource, setSource, sourceOf } from './source.js';
import type { ComposeMap } from './source.js';
import { LoaderFileError, readLoaderFile } from './read-file.js';

export interface NormalizeOptions {
  projectName: string;
  projectDir: string;
  /** The project environment (OS environment and `.env`): fills bare `KEY`s and env_file variables. */
  env: Record<string, string | undefined>;
  resolvePaths: boolean;
  /**
   * Only these services and what they depend on are kept, before env_file and
   * label_file are read (compose-go WithSelectedServices): `config web` reads
   * only web's files.
   */
  selectServices?: readonly string[];
  /** Interpolation is off: a typed value still holding `${VAR}` is left as written. */
  uninterpolated?: boolean;
  /** Reads an env_file; throws an error with code ENOENT when it is missing. Default: fs. */
  readFile?: (path: string) => string;
}

interface Context {
  opts: NormalizeOptions;
  errors: ComposeError[];
  readFile: (path: string) => string;
}

export function normalizeProject(tree: ComposeMap, opts: NormalizeOptions): ComposeMap {
  const ctx: Context = { opts, errors: [], readFile: opts.readFile ?? ((p) => readLoaderFile(p, 'env file')) };
  let out = cloneTree(tree);
  out = withName(out, opts.projectName);
  setDefaultBuildContext(out);
  if (opts.resolvePaths) out = resolvePaths(out, opts.projectDir);
  addDefaultNetwork(out);
  const services = mapOf(out.services);
  for (const [name, service] of Object.entries(services)) {
    if (isMap(service)) for (const rule of SERVICE_RULES) rule(service, ['services', name], ctx);
  }
  if (opts.selectServices && opts.selectServices.length > 0) keepSelected(services, opts.selectServices);
  for (const [name, service] of Object.entries(services)) {
    if (isMap(service)) for (const rule of FILE_RULES) rule(service, ['services', name], ctx);
  }
  nameResources(out);
  castValues(out, ctx.errors, opts.uninterpolated === true);
  throwIfAny(ctx.errors);
  return out;
}

/**
 * What compose-go's types do to a tree even when it is not normalized
 * (`config --no-normalize`): commands split into words, durations, sizes,
 * numbers, booleans and file modes as the types hold them.
 */
export function castTypes(tree: ComposeMap, uninterpolated = false): ComposeMap {
  const ctx: Context = { opts: { projectName: '', projectDir: '', env: {}, resolvePaths: false }, errors: [], readFile: () => '' };
  const out = cloneTree(tree);
  for (const [name, service] of Object.entries(mapOf(out.services))) {
    if (isMap(service)) commands(service, ['services', name], ctx);
  }
  castValues(out, ctx.errors, uninterpolated);
  throwIfAny(ctx.errors);
  return out;
}

/**
 * Bare `KEY`s of services' `environment` taken from `env` where it sets them
 * (compose-go's ResolveEnvironment, applied to an included project with its
 * own environment, `include.env_file` included). In place; returns `tree`.
 */
export function resolveBareEnvironment(tree: ComposeMap, env: Record<string, string | undefined>): ComposeMap {
  for (const service of Object.values(mapOf(tree.services))) {
    if (!isMap(service) || !isMap(service.environment)) continue;
    for (const [key, value] of Object.entries(service.environment)) {
      if ((value === null || value === undefined) && env[key] !== undefined) service.environment[key] = env[key];
    }
  }
  return tree;
}

/** The single place where relative paths are resolved (paths.ts), in the tree normalizeProject copied. */
function resolvePaths(tree: ComposeMap, projectDir: string): ComposeMap {
  return resolveRelativePaths(tree, projectDir, { inPlace: true });
}

function withName(tree: ComposeMap, name: string): ComposeMap {
  const out: ComposeMap = { name };
  for (const [k, v] of Object.entries(tree)) if (k !== 'name') out[k] = v;
  const src = sourceOf(tree);
  if (src) setSource(out, src);
  return out;
}

// ---------------------------------------------------------------------------
// Networks and resource names

/** Services with neither networks nor network_mode join `default`, which exists once used. */
function addDefaultNetwork(tree: ComposeMap): void {
  let used = false;
  for (const service of Object.values(mapOf(tree.services))) {
    if (!isMap(service) || 'provider' in service || 'network_mode' in service) continue;
    const networks = service.networks;
    if (!isMap(networks) || Object.keys(networks).length === 0) {
      const value: ComposeMap = { default: null };
      setSource(value, newSource(entryPos(service, 'networks') ?? posOf(service)));
      service.networks = value;
      used = true;
    } else if ('default' in networks) {
      used = true;
    }
  }
  if (!used) return;
  const networks = isMap(tree.networks) ? tree.networks : (tree.networks = withSourceOf<ComposeMap>({}, tree));
  if (!('default' in networks)) networks.default = null;
}

/** Networks, volumes, secrets and configs without `name` get `<project>_<key>` (external ones: the key). */
function nameResources(tree: ComposeMap): void {
  for (const kind of ['networks', 'volumes', 'secrets', 'configs']) {
    const section = tree[kind];
    if (!isMap(section)) continue;
    for (const [key, value] of Object.entries(section)) {
      const resource = isMap(value) ? value : withSourceOf<ComposeMap>({}, section, key);
      if (resource.name === undefined || resource.name === null) {
        resource.name = isTrue(resource.external) ? key : `${String(tree.name)}_${key}`;
      }
      section[key] = resource;
    }
  }
}

function isTrue(value: unknown): boolean {
  return value === true || (typeof value === 'string' && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value));
}

// ---------------------------------------------------------------------------
// Per-service rules, in order

type ServiceRule = (service: ComposeMap, path: ComposePath, ctx: Context) => void;

const SERVICE_RULES: ServiceRule[] = [
  pullPolicy,
  buildDefaults,
  implicitDependencies,
  volumeTargets,
  secretTargets,
  labelsAsText,
  commands,
];

/** Rules that read files, run once services are selected. */
const FILE_RULES: ServiceRule[] = [environment, labelFiles];

/** Drops the services neither selected nor depended on by a selected one (names not defined are left to the caller). */
function keepSelected(services: ComposeMap, selected: readonly string[]): void {
  const keep = new Set<string>();
  const queue = selected.filter((n) => n in services);
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (keep.has(name)) continue;
    keep.add(name);
    const service = services[name];
    for (const dep of Object.keys(isMap(service) ? mapOf(service.depends_on) : {})) if (dep in services) queue.push(dep);
  }
  for (const name of Object.keys(services)) if (!keep.has(name)) delete services[name];
}

function pullPolicy(service: ComposeMap): void {
  if (service.pull_policy === 'if_not_present') service.pull_policy = 'missing';
}

function buildDefaults(service: ComposeMap, _path: ComposePath, ctx: Context): void {
  const build = service.build;
  if (!isMap(build)) return;
  if (build.dockerfile == null && build.dockerfile_inline == null) build.dockerfile = 'Dockerfile';
  if (isMap(build.args)) {
    // An arg without a value and without a variable of that name is left out.
    for (const [key, value] of Object.entries(build.args)) {
      if (value !== null && value !== undefined) continue;
      const fromEnv = ctx.opts.env[key];
      if (fromEnv === undefined) delete build.args[key];
      else build.args[key] = fromEnv;
    }
  }
}

/** Bare KEYs from the project environment, then env_file entries under explicit ones. */
function environment(service: ComposeMap, path: ComposePath, ctx: Context): void {
  const explicit = isMap(service.environment) ? service.environment : undefined;
  if (explicit) {
    for (const [key, value] of Object.entries(explicit)) {
      if (value === null || value === undefined) {
        const fromEnv = ctx.opts.env[key];
        explicit[key] = fromEnv === undefined ? null : fromEnv;
      } else if (typeof value !== 'string') {
        explicit[key] = String(value);
      }
    }
  }
  const files = service.env_file;
  if (!Array.isArray(files)) return;
  const fromFiles: Record<string, string> = {};
  const lookup = (name: string): string | undefined => {
    const v = ctx.opts.env[name];
    if (v !== undefined) return v;
    const e = explicit?.[name];
    return typeof e === 'string' ? e : undefined;
  };
  Object.assign(fromFiles, readVariableFiles(files, [...path, 'env_file'], ctx, lookup));
  const merged: ComposeMap = { ...fromFiles, ...(explicit ?? {}) };
  const src = sourceOf(explicit);
  setSource(merged, src ? { ...src, entries: new Map(src.entries), keys: new Map(src.keys) } : newSource(entryPos(service, 'env_file') ?? posOf(service)));
  for (const key of Object.keys(fromFiles)) {
    if (!(key in (explicit ?? {}))) ensureSource(merged, posOf(service)).entries.set(key, entryPos(service, 'env_file') ?? posOf(service));
  }
  if (Object.keys(merged).length > 0) service.environment = merged;
  delete service.env_file;
}

/** env_file / label_file entries read in order, later files winning; a missing required file is an error. */
function readVariableFiles(files: unknown[], at: ComposePath, ctx: Context, lookup: (name: string) => string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const kind = at[at.length - 1] === 'label_file' ? 'label' : 'env';
  files.forEach((entry, i) => {
    const spec = typeof entry === 'string' ? { path: entry, required: true } : entry;
    if (!isMap(spec) || typeof spec.path !== 'string') return;
    const file = resolvePath(ctx.opts.projectDir, spec.path);
    const where = { pos: entryPos(files, i), path: [...at, i] };
    let text: string;
    try {
      text = ctx.readFile(file);
    } catch (error) {
      const code = error instanceof LoaderFileError ? error.errno : (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') {
        // The loader's own refusals (not a regular file, too large) already say which file and why.
        const why = error instanceof LoaderFileError ? error.message : `cannot read ${kind} file ${file}: ${(error as Error).message}`;
        ctx.errors.push(new ComposeError(`${formatPath(where.path)}: ${why}`, where));
      } else if (spec.required !== false) {
        ctx.errors.push(new ComposeError(`${kind} file ${file} not found: stat ${file}: no such file or directory`, where));
      }
      return;
    }
    try {
      Object.assign(out, parseEnvFile(text, file, spec.format, lookup));
    } catch (error) {
      if (error instanceof TscError) ctx.errors.push(...asComposeErrors(error, where));
      else throw error;
    }
  });
  return out;
}

/** label_file entries under the service's own labels (compose-go WithServicesLabelsResolved). */
function labelFiles(service: ComposeMap, path: ComposePath, ctx: Context): void {
  const files = service.label_file;
  if (!Array.isArray(files)) return;
  const fromFiles = readVariableFiles(files, [...path, 'label_file'], ctx, (name) => ctx.opts.env[name]);
  const explicit = isMap(service.labels) ? service.labels : undefined;
  const merged: ComposeMap = { ...fromFiles, ...(explicit ?? {}) };
  setSource(merged, newSource(entryPos(service, 'labels') ?? entryPos(service, 'label_file') ?? posOf(service)));
  if (Object.keys(merged).length > 0) service.labels = merged;
  delete service.label_file;
}

function parseEnvFile(text: string, file: string, format: unknown, lookup: (name: string) => string | undefined): Record<string, string> {
  if (format === undefined || format === null || format === '') return parseDotenv(text, file, lookup);
  if (format === 'raw') {
    // Raw: one KEY=VALUE a line, taken literally.
    const out: Record<string, string> = {};
    for (const line of text.split(/\r?\n/)) {
      if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
      const eq = line.indexOf('=');
      if (eq < 0) {
        const v = lookup(line.trim());
        if (v !== undefined) out[line.trim()] = v;
      } else {
        out[line.slice(0, eq).trim()] = line.slice(eq + 1);
      }
    }
    return out;
  }
  throw new ComposeError(`unsupported env_file format "${String(format)}"`);
}

function asComposeErrors(error: TscError, where: { pos?: SourcePos; path: ComposePath }): ComposeError[] {
  const inner = (error as { errors?: ComposeError[] }).errors;
  if (inner) return inner;
  if (error instanceof ComposeError) return [error.pos ? error : new ComposeError(error.message, where)];
  return [new ComposeError(error.message, where)];
}

interface ImplicitDependency {
  name: string;
  restart: boolean;
  pos: SourcePos | undefined;
}

/** links, `service:x` namespaces and volumes_from become depends_on entries (explicit entries win). */
function implicitDependencies(service: ComposeMap): void {
  const found: ImplicitDependency[] = [];
  const links = service.links;
  if (Array.isArray(links)) {
    links.forEach((link, i) => {
      if (typeof link !== 'string') return;
      const parts = link.split(':');
      found.push({ name: parts.length === 2 ? parts[0]! : link, restart: true, pos: entryPos(links, i) });
    });
  }
  for (const key of ['network_mode', 'ipc', 'pid', 'uts', 'cgroup']) {
    const ref = service[key];
    if (typeof ref === 'string' && ref.startsWith('service:')) {
      found.push({ name: ref.slice('service:'.length), restart: true, pos: entryPos(service, key) });
    }
  }
  const volumesFrom = service.volumes_from;
  if (Array.isArray(volumesFrom)) {
    volumesFrom.forEach((vol, i) => {
      if (typeof vol !== 'string' || vol.startsWith('container:')) return;
      found.push({ name: vol.split(':')[0]!, restart: false, pos: entryPos(volumesFrom, i) });
    });
  }
  if (found.length === 0) return;
  if (!isMap(service.depends_on)) service.depends_on = withSourceOf({}, service, 'depends_on');
  const dependsOn = service.depends_on as ComposeMap;
  for (const dep of found) {
    if (dep.name in dependsOn) continue;
    const entry: ComposeMap = { condition: 'service_started', restart: dep.restart, required: true };
    const pos = dep.pos ?? posOf(service);
    setSource(entry, newSource(pos));
    dependsOn[dep.name] = entry;
    const src = ensureSource(dependsOn, pos);
    src.entries.set(dep.name, pos);
    src.keys.set(dep.name, pos);
  }
}

/** compose-go cleans mount targets (`/data/` → `/data`). */
function volumeTargets(service: ComposeMap): void {
  if (!Array.isArray(service.volumes)) return;
  for (const volume of service.volumes) {
    if (isMap(volume) && typeof volume.target === 'string' && volume.target !== '') volume.target = cleanPath(volume.target);
  }
}

/** A secret without a target is mounted at `/run/secrets/<source>` (compose-go sets it on load). */
function secretTargets(service: ComposeMap): void {
  if (!Array.isArray(service.secrets)) return;
  for (const secret of service.secrets) {
    if (isMap(secret) && typeof secret.source === 'string' && (secret.target === undefined || secret.target === '')) {
      secret.target = `/run/secrets/${secret.source}`;
    }
  }
}

export function cleanPath(p: string): string {
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

const LABEL_KEYS = [['labels'], ['annotations'], ['sysctls'], ['build', 'labels'], ['deploy', 'labels']];

/** Labels have no unset state: null is "" and numbers are text. */
function labelsAsText(service: ComposeMap): void {
  for (const keys of LABEL_KEYS) {
    let node: unknown = service;
    for (const k of keys) node = isMap(node) ? node[k] : undefined;
    if (!isMap(node)) continue;
    for (const [k, v] of Object.entries(node)) {
      if (v === null || v === undefined) node[k] = '';
      else if (typeof v === 'number' || typeof v === 'boolean') node[k] = String(v);
    }
  }
}

/** command / entrypoint strings are split into words; a healthcheck test string runs in a shell. */
function commands(service: ComposeMap, path: ComposePath, ctx: Context): void {
  for (const key of ['command', 'entrypoint']) {
    const value = service[key];
    if (typeof value !== 'string') continue;
    try {
      service[key] = withSourceOf(splitShellWords(value), service, key);
    } catch (error) {
      if (!(error instanceof ShellWordsError)) throw error;
      ctx.errors.push(new ComposeError(`${formatPath([...path, key])}: ${error.message}: ${JSON.stringify(value)}`, { pos: entryPos(service, key), path: [...path, key] }));
    }
  }
  const healthcheck = service.healthcheck;
  if (isMap(healthcheck) && typeof healthcheck.test === 'string') {
    healthcheck.test = withSourceOf(['CMD-SHELL', healthcheck.test], healthcheck, 'test');
  }
}

// ---------------------------------------------------------------------------
// Type casts: what compose-go's types print in `config`

type Cast = (value: unknown) => unknown;

class CastError extends Error {}

const CASTS: Record<string, Cast> = {};
const castAt = (cast: Cast, ...patterns: string[]) => { for (const p of patterns) CASTS[p] = cast; };

castAt(toBytes,
  'services.*.mem_limit', 'services.*.mem_reservation', 'services.*.memswap_limit', 'services.*.mem_swappiness',
  'services.*.shm_size', 'services.*.build.shm_size', 'services.*.volumes.*.tmpfs.size',
  'services.*.deploy.resources.limits.memory', 'services.*.deploy.resources.reservations.memory',
  'services.*.blkio_config.device_read_bps.*.rate', 'services.*.blkio_config.device_write_bps.*.rate');
castAt(toDuration,
  'services.*.stop_grace_period',
  'services.*.healthcheck.interval', 'services.*.healthcheck.timeout', 'services.*.healthcheck.start_period', 'services.*.healthcheck.start_interval',
  'services.*.deploy.restart_policy.delay', 'services.*.deploy.restart_policy.window',
  'services.*.deploy.update_config.delay', 'services.*.deploy.update_config.monitor',
  'services.*.deploy.rollback_config.delay', 'services.*.deploy.rollback_config.monitor');
castAt(toFloat,
  'services.*.cpus', 'services.*.cpu_percent',
  'services.*.deploy.resources.limits.cpus', 'services.*.deploy.resources.reservations.cpus',
  'services.*.deploy.update_config.max_failure_ratio', 'services.*.deploy.rollback_config.max_failure_ratio');
castAt(toInteger,
  'services.*.cpu_count', 'services.*.cpu_period', 'services.*.cpu_quota', 'services.*.cpu_rt_period',
  'services.*.cpu_rt_runtime', 'services.*.cpu_shares', 'services.*.oom_score_adj', 'services.*.pids_limit', 'services.*.scale',
  'services.*.healthcheck.retries', 'services.*.deploy.replicas', 'services.*.deploy.resources.limits.pids',
  'services.*.deploy.restart_policy.max_attempts', 'services.*.deploy.update_config.parallelism',
  'services.*.deploy.rollback_config.parallelism', 'services.*.blkio_config.weight');
castAt(toFileMode, 'services.*.secrets.*.mode', 'services.*.configs.*.mode');
castAt(toBoolean,
  'services.*.depends_on.*.required', 'services.*.depends_on.*.restart',
  'services.*.privileged', 'services.*.read_only', 'services.*.stdin_open', 'services.*.tty', 'services.*.init',
  'services.*.oom_kill_disable', 'services.*.healthcheck.disable', 'services.*.attach', 'services.*.use_api_socket');

function castValues(tree: ComposeMap, errors: ComposeError[], uninterpolated = false): void {
  for (const [pattern, cast] of Object.entries(CASTS)) {
    forEachAt(tree, pattern.split('.'), [], (parent, key, path) => {
      const value = (parent as Record<string | number, unknown>)[key];
      if (value === undefined || value === null) return;
      if (uninterpolated && typeof value === 'string' && value.includes('$')) return;
      try {
        (parent as Record<string | number, unknown>)[key] = cast(value);
      } catch (error) {
        if (!(error instanceof CastError)) throw error;
        errors.push(new ComposeError(`${formatPath(path)}: ${error.message}`, { pos: entryPos(parent, key), path }));
      }
    });
  }
}

/** Calls `fn` at each entry of `node` that `pattern` (keys, `*` for any) reaches; `path` is where `node` is. */
function forEachAt(node: unknown, pattern: string[], path: Array<string | number>, fn: (parent: object, key: string | number, path: ComposePath) => void, depth = 0): void {
  if (depth >= pattern.length || typeof node !== 'object' || node === null) return;
  // One path array, grown and shrunk along the walk (60 patterns over every service: no copies but for `fn`).
  const visit = (key: string | number) => {
    path.push(key);
    if (depth === pattern.length - 1) fn(node, key, [...path]);
    else forEachAt((node as Record<string | number, unknown>)[key], pattern, path, fn, depth + 1);
    path.pop();
  };
  const head = pattern[depth]!;
  if (head !== '*') {
    if (!Array.isArray(node) && head in node) visit(head);
  } else if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) visit(i);
  } else {
    for (const key of Object.keys(node)) visit(key);
  }
}

const SIZE = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/;
const SIZE_UNITS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** `512m` → `"536870912"` (docker/go-units RAMInBytes: binary units; printed as a string). */
export function toBytes(value: unknown): unknown {
  if (typeof value === 'number') return String(Math.trunc(value));
  if (typeof value !== 'string') return value;
  const m = SIZE.exec(value);
  const n = m ? Number.parseFloat(m[1]!) : NaN;
  if (!m || Number.isNaN(n)) throw new CastError(`invalid size: '${value}'`);
  return String(Math.trunc(n * (m[2] ? SIZE_UNITS[m[2].toLowerCase()]! : 1)));
}

const DURATION_PART = /([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h|d|w)/y;
const DURATION_UNITS: Record<string, number> = {
  ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9, d: 86400e9, w: 604800e9,
};

/** Nanoseconds of a duration as compose-go reads it (Go durations plus `d` and `w`). */
export function parseDuration(text: string): bigint {
  let s = text;
  let sign = 1n;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1n;
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw new CastError(`invalid duration "${text}"`);
  let total = 0n;
  DURATION_PART.lastIndex = 0;
  let at = 0;
  while (at < s.length) {
    DURATION_PART.lastIndex = at;
    const m = DURATION_PART.exec(s);
    if (!m || m[1] === '' || m[1] === '.') {
      throw new CastError(/^[0-9.]+$/.test(s.slice(at)) ? `missing unit in duration "${text}"` : `invalid duration "${text}"`);
    }
    total += BigInt(Math.round(Number.parseFloat(m[1]!) * DURATION_UNITS[m[2]!]!));
    at = DURATION_PART.lastIndex;
  }
  return sign * total;
}

/** Go's time.Duration.String(): `1m0s`, `1h30m0s`, `1.5s`, `500ms`. */
export function formatDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  const u = neg ? -ns : ns;
  let out: string;
  if (u < 1_000_000_000n) {
    const [unit, size] = u < 1000n ? ['ns', 1n] : u < 1_000_000n ? ['µs', 1000n] : ['ms', 1_000_000n];
    out = fraction(u, size) + unit;
  } else {
    const secs = u / 1_000_000_000n;
    const s = fraction(u % 60_000_000_000n, 1_000_000_000n) + 's';
    const h = secs / 3600n;
    const m = (secs / 60n) % 60n;
    out = h > 0n ? `${h}h${m}m${s}` : m > 0n ? `${m}m${s}` : s;
  }
  return neg ? `-${out}` : out;
}

function fraction(value: bigint, unit: bigint): string {
  const whole = value / unit;
  const rest = value % unit;
  if (rest === 0n) return String(whole);
  const digits = String(unit).length - 1;
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
}

export function toDuration(value: unknown): unknown {
  if (typeof value === 'number') {
    if (value === 0) return '0s';
    throw new CastError(`missing unit in duration "${value}"`);
  }
  if (typeof value !== 'string') return value;
  return formatDuration(parseDuration(value));
}

function toFloat(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const n = Number(value.trim());
  if (value.trim() === '' || Number.isNaN(n)) throw new CastError(`expected a number, got "${value}"`);
  return n;
}

function toInteger(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (!/^[-+]?\d+$/.test(value.trim())) throw new CastError(`expected an integer, got "${value}"`);
  return Number(value.trim());
}

/** compose-go's FileMode: a string is octal (`"0440"`), a number is taken as it is. */
function toFileMode(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (!/^[0-7]+$/.test(value.trim())) throw new CastError(`invalid file mode "${value}": expected octal digits`);
  return Number.parseInt(value.trim(), 8);
}

function toBoolean(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (/^(true|yes|y|on|1)$/i.test(value)) return true;
  if (/^(false|no|n|off|0)$/i.test(value)) return false;
  throw new CastError(`expected true or false, got "${value}"`);
}

// ---------------------------------------------------------------------------
// Consistency: references between services and to top-level resources
// (compose-go loader/validate.go checkConsistency). Called on the services that
// are active once profiles are applied.

export interface ConsistencyOptions {
  /** Services left out by profiles: a reference to one gets a hint. */
  disabled?: Record<string, { profiles: string[] }>;
}

export function checkConsistency(tree: ComposeMap, opts: ConsistencyOptions = {}): ComposeError[] {
  const errors: ComposeError[] = [];
  const services = mapOf(tree.services);
  const declared = (kind: string, name: string) => isMap(tree[kind]) && name in (tree[kind] as ComposeMap);
  const fail = (message: string, node: unknown, key: string | number, path: ComposePath) =>
    errors.push(new ComposeError(message, { pos: typeof key === 'string' ? keyPos(node, key) : entryPos(node, key), path }));

  for (const [name, service] of Object.entries(services)) {
    if (!isMap(service)) continue;
    const at = ['services', name];
    if (service.build === undefined && service.image === undefined && service.provider === undefined) {
      fail(`service ${JSON.stringify(name)} has neither an image nor a build context specified: invalid compose project`, services, name, at);
    }
    if (service.network_mode !== undefined && isMap(service.networks) && Object.keys(service.networks).length > 0) {
      fail(`service ${name} declares mutually exclusive \`network_mode\` and \`networks\`: invalid compose project`, service, 'network_mode', [...at, 'network_mode']);
    }
    for (const net of Object.keys(mapOf(service.networks))) {
      if (!declared('networks', net)) {
        fail(`service ${JSON.stringify(name)} refers to undefined network ${net}: invalid compose project`, service.networks, net, [...at, 'networks', net]);
      }
    }
    const healthcheck = service.healthcheck;
    if (isMap(healthcheck) && Array.isArray(healthcheck.test) && healthcheck.test.length > 0 && !['CMD', 'CMD-SHELL', 'NONE'].includes(healthcheck.test[0] as string)) {
      fail('healthcheck.test must start either by "CMD", "CMD-SHELL" or "NONE"', healthcheck, 'test', [...at, 'healthcheck', 'test']);
    }
    const dependsOn = mapOf(service.depends_on);
    for (const [dep, config] of Object.entries(dependsOn)) {
      if (dep in services) continue;
      const disabled = opts.disabled?.[dep];
      const required = !isMap(config) || config.required !== false;
      if (disabled && !required) continue;
      const hint = disabled
        ? ` (service ${JSON.stringify(dep)} is in profile${disabled.profiles.length > 1 ? 's' : ''} ${disabled.profiles.map((p) => JSON.stringify(p)).join(', ')}, which ${disabled.profiles.length > 1 ? 'are' : 'is'} not enabled)`
        : '';
      fail(`service ${JSON.stringify(name)} depends on undefined service ${JSON.stringify(dep)}: invalid compose project${hint}`, dependsOn, dep, [...at, 'depends_on', dep]);
    }
    errors.push(...developErrors(service, at));
    const volumes = service.volumes;
    if (Array.isArray(volumes)) {
      volumes.forEach((v, i) => {
        if (isMap(v) && v.type === 'volume' && typeof v.source === 'string' && v.source !== '' && !declared('volumes', v.source)) {
          fail(`service ${JSON.stringify(name)} refers to undefined volume ${v.source}: invalid compose project`, volumes, i, [...at, 'volumes', i]);
        }
      });
    }
    const refs: Array<[unknown, string, string, ComposePath]> = [
      [isMap(service.build) ? service.build.secrets : undefined, 'secrets', 'build secret', [...at, 'build', 'secrets']],
      [service.configs, 'configs', 'config', [...at, 'configs']],
      [service.secrets, 'secrets', 'secret', [...at, 'secrets']],
    ];
    for (const [list, kind, what, path] of refs) {
      if (!Array.isArray(list)) continue;
      list.forEach((ref, i) => {
        const source = isMap(ref) ? ref.source : ref;
        if (typeof source === 'string' && !declared(kind, source)) {
          fail(`service ${JSON.stringify(name)} refers to undefined ${what} ${source}: invalid compose project`, list, i, [...path, i]);
        }
      });
    }
  }
  checkContainers(services, fail);
  for (const [name, volume] of Object.entries(mapOf(tree.volumes))) {
    if (!isMap(volume) || volume.external !== true) continue;
    const extra = Object.keys(volume).find((k) => !['name', 'external'].includes(k) && !k.startsWith('x-'));
    if (extra !== undefined) fail(`volumes.${name}: conflicting parameters "external" and "${extra}" specified`, volume, extra, ['volumes', name, extra]);
  }
  for (const [name, secret] of Object.entries(mapOf(tree.secrets))) {
    if (!isMap(secret) || isTrue(secret.external)) continue;
    if (secret.file === undefined && secret.environment === undefined && secret.content === undefined) {
      fail(`secret ${JSON.stringify(name)} must declare either \`file\` or \`environment\`: invalid compose project`, tree.secrets, name, ['secrets', name]);
    }
  }
  return errors;
}

type Fail = (message: string, node: unknown, key: string | number, path: ComposePath) => void;

/** What makes a service's containers impossible: names, replicas and mount targets (compose-go checkConsistency, Docker's mount checks). */
function checkContainers(services: ComposeMap, fail: Fail): void {
  const names = new Map<string, string>();
  for (const [name, service] of Object.entries(services)) {
    if (!isMap(service)) continue;
    const at = ['services', name];
    const deploy = mapOf(service.deploy);
    if (typeof service.scale === 'number' && service.scale < 0) {
      fail(`services.${name}.scale must be greater than or equal to 0`, service, 'scale', [...at, 'scale']);
    }
    if (typeof service.scale === 'number' && typeof deploy.replicas === 'number' && service.scale !== deploy.replicas) {
      fail(`services.${name}: can't set distinct values on 'scale' and 'deploy.replicas': invalid compose project`, service, 'scale', [...at, 'scale']);
    }
    const containerName = service.container_name;
    if (typeof containerName === 'string' && containerName !== '') {
      const other = names.get(containerName);
      if (other !== undefined) {
        fail(`services.${name}: container name ${JSON.stringify(containerName)} is already in use by service ${other}: invalid compose project`, service, 'container_name', [...at, 'container_name']);
      } else {
        names.set(containerName, name);
      }
      const replicas = typeof service.scale === 'number' ? service.scale : typeof deploy.replicas === 'number' ? deploy.replicas : 1;
      if (replicas > 1) {
        const attr = typeof service.scale === 'number' ? 'scale' : 'deploy.replicas';
        fail(`services.${attr}: can't set container_name and ${name} as container name must be unique: invalid compose project`, service, 'container_name', [...at, 'container_name']);
      }
    }
    checkMountTargets(service, at, fail);
  }
}

function checkMountTargets(service: ComposeMap, at: ComposePath, fail: Fail): void {
  const targets = new Set<string>();
  const volumes = Array.isArray(service.volumes) ? service.volumes : [];
  volumes.forEach((v, i) => {
    if (!isMap(v)) return;
    if (v.type === 'bind' && (typeof v.source !== 'string' || v.source === '')) {
      fail(`${formatPath([...at, 'volumes', i])}: invalid mount config for type "bind": field Source must not be empty`, volumes, i, [...at, 'volumes', i]);
    }
    if (typeof v.target === 'string') targets.add(cleanPath(v.target));
  });
  const tmpfs = Array.isArray(service.tmpfs) ? service.tmpfs : [];
  tmpfs.forEach((t, i) => {
    if (typeof t !== 'string') return;
    const target = cleanPath(t.split(':')[0]!);
    if (targets.has(target)) {
      fail(`${formatPath([...at, 'tmpfs', i])}: duplicate mount point: ${target} is also a volume target`, tmpfs, i, [...at, 'tmpfs', i]);
    }
  });
}

// ---------------------------------------------------------------------------

function mapOf(value: unknown): ComposeMap {
  return isMap(value) ? value : {};
}

function posOf(node: unknown): SourcePos {
  return sourceOf(node)?.pos ?? { file: '', line: 0, column: 0 };
}

/** `value` with a source record at the position of `parent[key]` (or of `parent`). */
function withSourceOf<T extends object>(value: T, parent: unknown, key?: string | number): T {
  setSource(value, newSource((key !== undefined ? entryPos(parent, key) : undefined) ?? posOf(parent)));
  return value;
}
