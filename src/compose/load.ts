// Loads a Compose project: every stage of the loader, in order.
import { dirname } from 'node:path';
import { ComposeError, TscError } from '../util/errors.js';
import { canonicalizeTree } from './canonical.js';
import { resolveProjectEnvironment } from './environment.js';
import { applyExtends } from './extends.js';
import { resolveComposeFiles, STDIN } from './files.js';
import { buildDependencyGraph } from './graph.js';
import { applyIncludes } from './include.js';
import { interpolateTree } from './interpolate.js';
import { applyResets, enforceUnicity, mergeTrees } from './merge.js';
import { toModel } from './model.js';
import type { Project } from './model.js';
import { castTypes, normalizeProject, resolveBareEnvironment } from './normalize.js';
import { parseComposeYaml } from './parse.js';
import { resolveRelativePaths, setDefaultBuildContext } from './paths.js';
import { applyProfiles } from './profiles.js';
import { resolveProjectName } from './project-name.js';
import type { ComposeMap } from './source.js';
import { validateComposeTree } from './validate.js';
import { LoaderFileError, readLoaderFile } from './read-file.js';

export interface LoadOptions {
  workingDir: string;
  /** `-f` flags; `-` reads `stdin`. */
  files?: string[];
  projectDirectory?: string;
  projectName?: string;
  envFiles?: string[];
  /** `--profile` flags (COMPOSE_PROFILES is used when there are none). */
  profiles?: string[];
  /** Services named on the command line: they enable their own profiles. */
  services?: string[];
  /** Keep only these services and their dependencies, before their env_file/label_file are read (`config web`). */
  selectServices?: string[];
  osEnv: Record<string, string | undefined>;
  interpolate?: boolean;
  normalize?: boolean;
  resolvePaths?: boolean;
  /** Without normalization, still give typed attributes compose-go's types (default true; false: the model as written). */
  castTypes?: boolean;
  /** Content of standard input, when a file is `-`. */
  stdin?: () => string;
  warn?: (message: string) => void;
  /** Told every file read as Compose input (the files, included and extended ones): watch watches them. */
  onFile?: (path: string) => void;
}

export interface LoadResult {
  /** The loaded tree: normalized unless `normalize: false`; what `config` prints. */
  tree: ComposeMap;
  /** Typed model; only when normalized. */
  project?: Project;
  name: string;
  files: string[];
  projectDir: string;
  env: Record<string, string>;
}

export function loadProject(opts: LoadOptions): LoadResult {
  const interpolate = opts.interpolate !== false;
  const normalize = opts.normalize !== false;
  const resolvePaths = opts.resolvePaths !== false;
  const warned = new Set<string>();
  const warn = (message: string) => {
    if (warned.has(message)) return;
    warned.add(message);
    opts.warn?.(message);
  };

  // COMPOSE_* variables may come from the `.env` of the working (or project) directory.
  const early = resolveProjectEnvironment({
    projectDir: opts.projectDirectory ?? opts.workingDir,
    workingDir: opts.workingDir,
    envFiles: opts.envFiles,
    osEnv: opts.osEnv,
  });
  const { files, projectDir } = resolveComposeFiles({
    workingDir: opts.workingDir,
    files: opts.files,
    projectDirectory: opts.projectDirectory,
    env: early.env,
    warn,
  });
  const environment = projectDir === (opts.projectDirectory ?? opts.workingDir)
    ? early
    : resolveProjectEnvironment({ projectDir, workingDir: opts.workingDir, envFiles: opts.envFiles, osEnv: opts.osEnv });
  const env = environment.env;

  let stdinText: string | undefined;
  // The project's files are read and parsed once for `name:`, then loaded.
  const texts = new Map<string, string>();
  const readSource = (file: string): string => {
    const cached = texts.get(file);
    if (cached !== undefined) return cached;
    const text = readSourceOnce(file);
    if (files.includes(file)) texts.set(file, text);
    return text;
  };
  // The documents parsed for `name:`, for the first load of their file (loading changes them).
  const parsedForName = new Map<string, ComposeMap[]>();
  const takeParsed = (file: string): ComposeMap[] | undefined => {
    const docs = parsedForName.get(file);
    parsedForName.delete(file);
    return docs;
  };
  const readSourceOnce = (file: string): string => {
    if (file === STDIN) {
      if (stdinText === undefined) {
        if (!opts.stdin) throw new TscError('COMPOSE_STDIN', 'cannot read a Compose file from standard input here');
        stdinText = opts.stdin();
      }
      return stdinText;
    }
    opts.onFile?.(file);
    try {
      return readLoaderFile(file, 'Compose file');
    } catch (error) {
      if (error instanceof LoaderFileError && error.errno === 'ENOENT') throw new TscError('COMPOSE_FILE_NOT_FOUND', error.message);
      throw error;
    }
  };

  // One file as written: parse → interpolate → validate → canonical, its documents merged.
  // `check: false` (a file read for `extends`): no validation here, short syntax it cannot read left as written.
  // `base` (a later -f file): what this file is merged over; the file alone may be partial, as compose-go
  // validates the merged model.
  const loadRawFile = (file: string, fileEnv: Record<string, string | undefined>, check = true, base?: ComposeMap): ComposeMap => {
    const displayName = file === STDIN ? '(stdin)' : file;
    const docs = takeParsed(file) ?? parseOrEmpty(readSource(file), displayName);
    if (docs.length === 0) return {};
    let merged: ComposeMap | undefined;
    for (let doc of docs) {
      if ('version' in doc) {
        warn(`${displayName}: the attribute \`version\` is obsolete, it will be ignored, please remove it to avoid potential confusion`);
        delete doc.version;
      }
      if (interpolate) doc = interpolateTree(doc, (name) => (Object.hasOwn(fileEnv, name) ? fileEnv[name] : undefined), { warn });
      if (check) validateFile(doc, displayName, base && merged ? mergeTrees(base, merged) : base ?? merged);
      doc = enforceUnicity(canonicalizeTree(doc, { lenient: !interpolate || !check, warn }));
      merged = merged ? mergeTrees(merged, doc) : doc;
    }
    return merged!;
  };

  // A file of the project: as written, then its includes, then its extends
  // (extends resolves other files itself, and their cycles).
  // `dir`: the directory `include` and `extends` paths are relative to; an included project's own directory.
  const loadFile = (file: string, fileEnv: Record<string, string | undefined>, base?: ComposeMap, dir?: string): ComposeMap => {
    const displayName = file === STDIN ? '(stdin)' : file;
    const baseDir = dir ?? (file === STDIN ? projectDir : dirname(file));
    let tree = applyResets(loadRawFile(file, fileEnv, true, base));
    tree = applyIncludes(tree, displayName, (includeFiles, includeOpts) => {
      const inc = resolveProjectEnvironment({
        projectDir: includeOpts.projectDir,
        workingDir: baseDir,
        envFiles: includeOpts.envFiles,
        // An included project sees the including project's environment, which wins over its own files.
        osEnv: fileEnv,
      });
      let result: ComposeMap | undefined;
      for (const f of includeFiles) {
        const t = loadFile(f, inc.env, undefined, includeOpts.projectDir);
        result = result ? mergeTrees(result, t) : t;
      }
      return resolveRelativePaths(setDefaultBuildContext(resolveBareEnvironment(result ?? {}, inc.env)), includeOpts.projectDir);
    }, { baseDir });
    tree = applyExtends(tree, displayName, (other) => loadRawFile(other, fileEnv, false), {
      baseDir,
      validateService: (other, service, value) => validateComposeTree({ services: { [service]: value } }, other),
    });
    return tree;
  };

  // The name comes first (compose-go loader.projectName): files are then
  // interpolated with COMPOSE_PROJECT_NAME set to it.
  const name = resolveProjectName({
    flag: opts.projectName,
    env,
    nameField: nameFieldOf(files, (file) => {
      const docs = parseOrEmpty(readSource(file), file === STDIN ? '(stdin)' : file);
      parsedForName.set(file, docs);
      return docs;
    }, interpolate ? env : undefined, warn),
    projectDir,
  });
  env.COMPOSE_PROJECT_NAME = name;

  let tree: ComposeMap | undefined;
  for (const file of files) {
    const t = loadFile(file, env, tree);
    tree = tree ? mergeTrees(tree, t) : t;
  }
  tree = applyResets(tree!);
  if (Object.keys(tree).length === 0) {
    throw new ComposeError('empty compose file', { pos: { file: files[0] === STDIN ? '(stdin)' : files[0]!, line: 1, column: 1 }, code: 'COMPOSE_EMPTY' });
  }

  const profileList = opts.profiles && opts.profiles.length > 0
    ? opts.profiles
    : (env.COMPOSE_PROFILES ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');

  if (!normalize) {
    // Not normalized, but only the active services, as compose-go applies profiles in any case.
    let out: ComposeMap = applyProfiles({ ...tree, name }, { profiles: profileList, services: opts.services });
    setDefaultBuildContext(out);
    if (resolvePaths) out = resolveRelativePaths(out, projectDir);
    if (opts.castTypes !== false) out = castTypes(out, !interpolate);
    return { tree: out, name, files, projectDir, env };
  }

  let normalized = normalizeProject(tree, { projectName: name, projectDir, env, resolvePaths, uninterpolated: !interpolate, selectServices: opts.selectServices });
  normalized = applyProfiles(normalized, { profiles: profileList, services: opts.services });
  const project = toModel(normalized);
  buildDependencyGraph(project);
  return { tree: normalized, project, name, files, projectDir, env };
}

/** The documents of a file; none for an empty one, which adds nothing (only an empty project is an error). */
function parseOrEmpty(text: string, file: string): ComposeMap[] {
  try {
    return parseComposeYaml(text, file);
  } catch (error) {
    if (error instanceof ComposeError && error.code === 'COMPOSE_EMPTY') return [];
    throw error;
  }
}

/**
 * Checks one document against the schema. A document merged over others
 * (`base`) that fails alone is accepted when the merge is valid (an override
 * may leave out what the base file has); otherwise its own errors are thrown.
 */
function validateFile(doc: ComposeMap, file: string, base: ComposeMap | undefined): void {
  try {
    validateComposeTree(doc, file);
  } catch (error) {
    if (!base || !(error instanceof TscError)) throw error;
    try {
      validateComposeTree(mergeTrees(base, canonicalizeTree(doc, { lenient: true })), file);
    } catch {
      throw error;
    }
  }
}

/** The last non-empty top-level `name:` of the project's own files, interpolated (not their includes). */
function nameFieldOf(
  files: string[],
  parse: (file: string) => ComposeMap[],
  env: Record<string, string> | undefined,
  warn: (message: string) => void,
): string | undefined {
  let raw: string | undefined;
  for (const file of files) {
    for (const doc of parse(file)) if (typeof doc.name === 'string' && doc.name !== '') raw = doc.name;
  }
  if (raw === undefined || env === undefined) return raw;
  const out = interpolateTree({ name: raw }, (n) => (Object.hasOwn(env, n) ? env[n] : undefined), { warn }).name;
  return typeof out === 'string' ? out : raw;
}

export { ComposeError };
