// `services.*.extends`: a service starts from another one (in the same file
// or another file), then its own attributes are merged over it with the same
// rules as several files (merge.ts). Recursive, as compose-go's
// loader/extends.go: an extended service may itself extend another.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ComposeError, displayFile, formatPath, throwIfAny } from '../util/errors.js';
import type { SourcePos } from '../util/errors.js';
import { mergeTrees } from './merge.js';
import { expandHome, resolveRelativePaths } from './paths.js';
import { cloneTree, copyNodeSource, entryPos, isMap, keyPos, newSource, setSource, sourceOf } from './source.js';
import type { ComposeMap } from './source.js';
import { LoaderFileError } from './read-file.js';

export interface ExtendsOptions {
  /** Directory that `extends.file` is relative to (default: the directory of `file`). */
  baseDir?: string;
  /**
   * Checks a service taken from another file. That file is loaded unchecked,
   * as compose-go validates only the service used, not the whole file.
   */
  validateService?: (file: string, name: string, service: unknown) => void;
}

/** One Compose file whose services take part in resolving `extends`. */
interface FileScope {
  file: string;
  dir: string;
  services: ComposeMap;
  /** Services already resolved (their `extends` applied). */
  resolved: Map<string, unknown>;
}

interface Run {
  loadFile: (path: string) => ComposeMap;
  validateService: ((file: string, name: string, service: unknown) => void) | undefined;
  /** Other files, by absolute path, loaded once. */
  scopes: Map<string, FileScope>;
}

/** A link of the chain being resolved, to detect and name cycles. */
interface Link {
  scope: FileScope;
  name: string;
}

class ExtendsCycle extends ComposeError {
  constructor(message: string, opts: { pos?: SourcePos; path?: ReadonlyArray<string | number> }, readonly links: Link[]) {
    super(message, { ...opts, code: 'COMPOSE_EXTENDS_CYCLE' });
  }
}

/**
 * Applies `extends` to every service of `tree` (declared in `file`). Another
 * file is read with `loadFile(absolutePath)`, which returns its interpolated
 * canonical tree. Paths of a service brought from another directory are
 * rebased onto this file's directory. Returns a new tree without `extends`
 * (`tree` itself when no service extends another).
 */
export function applyExtends(tree: ComposeMap, file: string, loadFile: (path: string) => ComposeMap, opts: ExtendsOptions = {}): ComposeMap {
  if (!isMap(tree.services) || !Object.values(tree.services).some((s) => isMap(s) && 'extends' in s)) return tree;
  const out = cloneTree(tree);
  const services = out.services as ComposeMap;
  const main: FileScope = { file, dir: opts.baseDir ?? dirname(resolve(file)), services, resolved: new Map() };
  const run: Run = { loadFile, validateService: opts.validateService, scopes: new Map([[resolve(file), main]]) };
  const errors: ComposeError[] = [];
  const inCycle = new Set<string>();
  for (const name of Object.keys(services)) {
    if (inCycle.has(name)) continue;
    try {
      services[name] = resolveService(run, main, name, []);
    } catch (error) {
      if (!(error instanceof ComposeError)) throw error;
      // Report a cycle once, not once per service on it.
      if (error instanceof ExtendsCycle) error.links.filter((l) => l.scope === main).forEach((l) => inCycle.add(l.name));
      errors.push(error);
    }
  }
  throwIfAny(errors);
  return out;
}

function resolveService(run: Run, scope: FileScope, name: string, chain: Link[]): unknown {
  const done = scope.resolved.get(name);
  if (done !== undefined) return done;
  const service = scope.services[name];
  if (!isMap(service) || !('extends' in service)) return service;

  const path = ['services', name, 'extends'];
  const ext = service.extends;
  const extendsPos = entryPos(service, 'extends');
  const seen = chain.findIndex((l) => l.scope === scope && l.name === name);
  if (seen >= 0) throw cycleError([...chain.slice(seen), { scope, name }]);

  const ref = typeof ext === 'string' ? ext : isMap(ext) ? ext.service : undefined;
  if (typeof ref !== 'string') {
    throw new ComposeError(`${formatPath(path)}: expected a service name or { service, file }`, { pos: extendsPos, path });
  }
  let from = scope;
  if (isMap(ext) && typeof ext.file === 'string') {
    from = scopeOf(run, scope, ext, path);
  }
  if (!(ref in from.services)) {
    const where = from === scope ? '' : ` in ${String((ext as ComposeMap).file)}`;
    const at = isMap(ext) ? entryPos(ext, 'service') : extendsPos;
    throw new ComposeError(`${formatPath([...path, 'service'])}: service "${ref}" not found${where}`, { pos: at ?? extendsPos, path: [...path, 'service'] });
  }

  if (from !== scope && !from.resolved.has(ref)) run.validateService?.(from.file, ref, from.services[ref]);
  const resolvedBase = cloneTree(resolveService(run, from, ref, [...chain, { scope, name }]));
  let base: ComposeMap = isMap(resolvedBase) ? resolvedBase : {};
  if (from.dir !== scope.dir) base = rebase(base, from.dir, scope.dir);

  const local = cloneTree(service);
  delete local.extends;
  sourceOf(local)?.entries.delete('extends');
  sourceOf(local)?.keys.delete('extends');
  const merged = mergeTrees(wrap(base), wrap(local)).services as ComposeMap;
  const result = merged.x as ComposeMap;
  copyNodeSource(service, result);
  scope.resolved.set(name, result);
  scope.services[name] = result;
  return result;
}

/** The file named by `extends.file`, relative to the declaring file's directory. */
function scopeOf(run: Run, scope: FileScope, ext: ComposeMap, path: string[]): FileScope {
  const written = ext.file as string;
  const abs = resolve(scope.dir, expandHome(written));
  const known = run.scopes.get(abs);
  if (known) return known;
  const pos = entryPos(ext, 'file');
  if (!existsSync(abs)) {
    throw new ComposeError(`${formatPath([...path, 'file'])}: file "${written}" not found`, { pos, path: [...path, 'file'], code: 'COMPOSE_EXTENDS_FILE' });
  }
  let tree: ComposeMap;
  try {
    tree = run.loadFile(abs);
  } catch (error) {
    // Not a regular file, too large…: said where it is named.
    if (error instanceof LoaderFileError) throw new ComposeError(`${formatPath([...path, 'file'])}: ${error.message}`, { pos, path: [...path, 'file'], code: 'COMPOSE_EXTENDS_FILE' });
    throw error;
  }
  const services = isMap(tree.services) ? cloneTree(tree.services) : {};
  const other: FileScope = { file: abs, dir: dirname(abs), services, resolved: new Map() };
  run.scopes.set(abs, other);
  return other;
}

/** Paths written relative to `fromDir`, rewritten relative to `toDir`. */
function rebase(service: ComposeMap, fromDir: string, toDir: string): ComposeMap {
  const rebased = resolveRelativePaths(wrap(service), fromDir, { relativeTo: toDir });
  return (rebased.services as ComposeMap).x as ComposeMap;
}

/** `{ services: { x: service } }`, so the `services.*` rules of merge and paths apply. */
function wrap(service: ComposeMap): ComposeMap {
  const services: ComposeMap = { x: service };
  const pos = sourceOf(service)?.pos;
  if (pos) {
    setSource(services, newSource(pos));
    sourceOf(services)!.entries.set('x', pos);
  }
  return { services };
}

/** `extends cycle: web → base → web`, at the `extends` of the first service on it. */
function cycleError(links: Link[]): ExtendsCycle {
  const files = new Set(links.map((l) => l.scope.file));
  const label = (l: Link) => (files.size > 1 ? `${l.name} (${displayFile(l.scope.file)})` : l.name);
  const first = links[0]!;
  const pos = keyPos(first.scope.services[first.name], 'extends') ?? keyPos(first.scope.services, first.name);
  return new ExtendsCycle(`extends cycle: ${links.map(label).join(' → ')}`, { pos, path: ['services', first.name, 'extends'] }, links);
}
