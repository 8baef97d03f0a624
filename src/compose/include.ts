// `include`: other Compose projects loaded on their own (own project
// directory, own `.env`) whose resources join the including file, as
// compose-go's loader/include.go. A resource defined twice differently is an
// error naming both places.
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ComposeError, displayFile, formatPath, throwIfAny } from '../util/errors.js';
import type { SourcePos } from '../util/errors.js';
import { expandHome, resolveRelativePaths } from './paths.js';
import { mergeTrees } from './merge.js';
import { cloneTree, copyEntrySource, isMap, keyPos, locate, newSource, setSource, sourceOf } from './source.js';
import type { ComposeMap } from './source.js';
import { LoaderFileError } from './read-file.js';

export interface IncludeProjectOptions {
  /** The included project's directory (absolute). */
  projectDir: string;
  /** `include[].env_file`, absolute; when absent the project's own `.env` applies. */
  envFiles?: string[];
}

/** Loads the files of one included project (parse, env, interpolation, merge) into one canonical tree. */
export type LoadIncludedProject = (files: string[], opts: IncludeProjectOptions) => ComposeMap;

export interface IncludeOptions {
  /** Directory that include paths are relative to (default: the directory of `file`). */
  baseDir?: string;
}

const RESOURCES = ['services', 'networks', 'volumes', 'secrets', 'configs'] as const;

/** Files whose includes are being applied, outermost first (the loader is synchronous). */
const including: string[] = [];

/**
 * Applies `include` of `tree` (declared in `file`): loads each included
 * project with `loadProject`, makes its relative paths absolute against its
 * project directory and adds its resources to the tree. Returns a new tree
 * without `include`.
 */
export function applyIncludes(tree: ComposeMap, file: string, loadProject: LoadIncludedProject, opts: IncludeOptions = {}): ComposeMap {
  if (!('include' in tree)) return tree;
  const out = cloneTree(tree);
  const includes = out.include;
  delete out.include;
  if (!Array.isArray(includes)) return out;
  const baseDir = opts.baseDir ?? dirname(resolve(file));
  const self = resolve(file);
  const errors: ComposeError[] = [];
  including.push(self);
  try {
    includes.forEach((entry, i) => {
      try {
        const request = includeRequest(tree, entry, i, baseDir);
        const imported = loadIncluded(request, loadProject);
        importResources(out, imported, request);
      } catch (error) {
        if (error instanceof LoaderFileError) {
          errors.push(new ComposeError(`${formatPath(['include', i])}: ${error.message}`, { pos: locate(tree, ['include', i]), path: ['include', i], code: 'COMPOSE_INCLUDE_FILE' }));
          return;
        }
        if (!(error instanceof ComposeError)) throw error;
        errors.push(error);
      }
    });
  } finally {
    including.pop();
  }
  throwIfAny(errors);
  return out;
}

interface IncludeRequest {
  index: number;
  files: string[];
  projectDir: string;
  envFiles: string[] | undefined;
  pos: SourcePos | undefined;
}

function includeRequest(tree: ComposeMap, entry: unknown, i: number, baseDir: string): IncludeRequest {
  const at = (...rest: Array<string | number>) => locate(tree, ['include', i, ...rest]);
  const spec: ComposeMap = typeof entry === 'string' ? { path: [entry] } : isMap(entry) ? entry : {};
  const paths = typeof spec.path === 'string' ? [spec.path] : Array.isArray(spec.path) ? spec.path : [];
  if (paths.length === 0) {
    throw new ComposeError(`${formatPath(['include', i])}: path is required`, { pos: at(), path: ['include', i] });
  }
  const files = paths.map((p, j) => {
    const abs = resolve(baseDir, expandHome(String(p)));
    if (!isFile(abs)) {
      const path = typeof spec.path === 'string' ? ['include', i, 'path'] : ['include', i, 'path', j];
      throw new ComposeError(`${formatPath(path)}: file "${String(p)}" not found`, { pos: at(...path.slice(2)), path, code: 'COMPOSE_INCLUDE_FILE' });
    }
    return abs;
  });

  for (const f of files) {
    const cycleAt = including.indexOf(f);
    if (cycleAt >= 0) {
      const chain = [...including.slice(cycleAt), f].map((x) => displayFile(x));
      throw new ComposeError(`include cycle: ${chain.join(' → ')}`, { pos: at(), path: ['include', i], code: 'COMPOSE_INCLUDE_CYCLE' });
    }
  }

  const projectDir = typeof spec.project_directory === 'string' ? resolve(baseDir, expandHome(spec.project_directory)) : dirname(files[0]!);
  const envList = typeof spec.env_file === 'string' ? [spec.env_file] : Array.isArray(spec.env_file) ? spec.env_file : undefined;
  const envFiles = envList?.map((p, j) => {
    const abs = resolve(baseDir, expandHome(String(p)));
    if (!isFile(abs)) {
      const path = ['include', i, 'env_file', j];
      throw new ComposeError(`${formatPath(path)}: env file "${String(p)}" not found`, { pos: at('env_file', j), path, code: 'COMPOSE_INCLUDE_FILE' });
    }
    return abs;
  });
  return { index: i, files, projectDir, envFiles, pos: at() };
}

function loadIncluded(request: IncludeRequest, loadProject: LoadIncludedProject): ComposeMap {
  const opts: IncludeProjectOptions = { projectDir: request.projectDir };
  if (request.envFiles) opts.envFiles = request.envFiles;
  let imported = loadProject(request.files, opts);
  // Includes of includes, when the callback left them to us.
  if ('include' in imported) imported = applyIncludes(imported, request.files[0]!, loadProject, { baseDir: request.projectDir });
  return resolveRelativePaths(imported, request.projectDir);
}

/**
 * Adds the imported resources. One already defined by the including file (or
 * an earlier include) is merged over the imported one, as compose-go ≥ 2.10
 * does: the including file may override what it includes.
 */
function importResources(target: ComposeMap, imported: ComposeMap, request: IncludeRequest): void {
  for (const kind of RESOURCES) {
    const from = imported[kind];
    if (!isMap(from)) continue;
    let to = target[kind];
    if (!isMap(to)) {
      to = {};
      setSource(to as ComposeMap, newSource(sourceOf(from)?.pos ?? request.pos ?? { file: request.files[0]!, line: 1, column: 1 }));
      target[kind] = to;
      copyEntrySource(imported, kind, target);
    }
    const into = to as ComposeMap;
    for (const [name, value] of Object.entries(from)) {
      if (name in into) {
        if (!sameValue(into[name], value)) into[name] = mergeResource(kind, name, value, into[name]);
        continue;
      }
      into[name] = value;
      copyEntrySource(from, name, into);
    }
  }
}

function mergeResource(kind: string, name: string, imported: unknown, local: unknown): unknown {
  const wrap = (v: unknown): ComposeMap => {
    const inner: ComposeMap = { [name]: v };
    const src = sourceOf(v);
    if (src) setSource(inner, newSource(src.pos));
    return { [kind]: inner };
  };
  return (mergeTrees(wrap(imported), wrap(local))[kind] as ComposeMap)[name];
}

/** Deep equality of plain trees (source records ignored). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  }
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && sameValue(a[k], b[k]));
  }
  return false;
}

function isFile(path: string): boolean {
  try {
    return existsSync(path) && statSync(path).isFile();
  } catch {
    return false;
  }
}
