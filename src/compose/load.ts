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
import { normalizeProject } from './normalize.js';
import { parseComposeYaml } from './parse.js';
import { resolveRelativePaths } from './paths.js';
import { applyProfiles } from './profiles.js';
import { resolveProjectName } from './project-name.js';
import { entryPos } from './source.js';
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
  osEnv: Record<string, string | undefined>;
  interpolate?: boolean;
  normalize?: boolean;
  resolvePaths?: boolean;
  /** Content of standard input, when a file is `-`. */
  stdin?: () => string;
  warn?: (message: string) => void;
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
  const readSource = (file: string): string => {
    if (file === STDIN) {
      if (stdinText === undefined) {
        if (!opts.stdin) throw new TscError('COMPOSE_STDIN', 'cannot read a Compose file from standard input here');
        stdinText = opts.stdin();
      }
      return stdinText;
    }
    try {
      return readLoaderFile(file, 'Compose file');
    } catch (error) {
      if (error instanceof LoaderFileError && error.errno === 'ENOENT') throw new TscError('COMPOSE_FILE_NOT_FOUND', error.message);
      throw error;
    }
  };

  // One file as written: parse → interpolate → validate → canonical, its documents merged.
  const loadRawFile = (file: string, fileEnv: Record<string, string | undefined>): ComposeMap => {
    const displayName = file === STDIN ? '(stdin)' : file;
    const docs = parseComposeYaml(readSource(file), displayName);
    let merged: ComposeMap | undefined;
    for (let doc of docs) {
      if ('version' in doc) {
        warn(`${displayName}: the attribute \`version\` is obsolete, it will be ignored, please remove it to avoid potential confusion`);
        delete doc.version;
      }
      if (interpolate) doc = interpolateTree(doc, (name) => (Object.hasOwn(fileEnv, name) ? fileEnv[name] : undefined), { warn });
      validateComposeTree(doc, displayName);
      doc = enforceUnicity(canonicalizeTree(doc, { lenient: !interpolate, warn }));
      merged = merged ? mergeTrees(merged, doc) : doc;
    }
    return merged!;
  };

  // A file of the project: as written, then its includes, then its extends
  // (extends resolves other files itself, and their cycles).
  const loadFile = (file: string, fileEnv: Record<string, string | undefined>): ComposeMap => {
    const displayName = file === STDIN ? '(stdin)' : file;
    const baseDir = file === STDIN ? projectDir : dirname(file);
    let tree = applyResets(loadRawFile(file, fileEnv));
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
        const t = loadFile(f, inc.env);
        result = result ? mergeTrees(result, t) : t;
      }
      return resolveRelativePaths(result ?? {}, includeOpts.projectDir);
    }, { baseDir });
    tree = applyExtends(tree, displayName, (other) => loadRawFile(other, fileEnv), { baseDir });
    return tree;
  };

  let tree: ComposeMap | undefined;
  for (const file of files) {
    const t = loadFile(file, env);
    tree = tree ? mergeTrees(tree, t) : t;
  }
  tree = applyResets(tree!);

  const name = resolveProjectName({
    flag: opts.projectName,
    env,
    nameField: typeof tree.name === 'string' ? tree.name : undefined,
    projectDir,
    pos: entryPos(tree, 'name'),
  });

  const profileList = opts.profiles && opts.profiles.length > 0
    ? opts.profiles
    : (env.COMPOSE_PROFILES ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');

  if (!normalize) {
    // Not normalized, but only the active services, as compose-go applies profiles in any case.
    let out: ComposeMap = applyProfiles({ name, ...tree }, { profiles: profileList, services: opts.services });
    if (resolvePaths) out = resolveRelativePaths(out, projectDir);
    return { tree: out, name, files, projectDir, env };
  }

  let normalized = normalizeProject(tree, { projectName: name, projectDir, env, resolvePaths });
  normalized = applyProfiles(normalized, { profiles: profileList, services: opts.services });
  const project = toModel(normalized);
  buildDependencyGraph(project);
  return { tree: normalized, project, name, files, projectDir, env };
}

export { ComposeError };
