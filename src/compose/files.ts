// Which Compose files make up the project, and where its directory is.
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { TscError } from '../util/errors.js';

export const DEFAULT_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];
export const DEFAULT_OVERRIDE_NAMES = ['compose.override.yml', 'compose.override.yaml', 'docker-compose.override.yml', 'docker-compose.override.yaml'];

export interface ComposeFilesOptions {
  workingDir: string;
  /** `-f` flags, in order; `-` is standard input. */
  files?: string[];
  projectDirectory?: string;
  /** Environment consulted for COMPOSE_FILE / COMPOSE_PATH_SEPARATOR (OS env over `.env`). */
  env: Record<string, string | undefined>;
  warn?: (message: string) => void;
}

export interface ComposeFilesResult {
  /** Absolute paths, or `-` for standard input. */
  files: string[];
  projectDir: string;
}

export const STDIN = '-';

export function resolveComposeFiles(opts: ComposeFilesOptions): ComposeFilesResult {
  const projectDirectory = opts.projectDirectory ? resolve(opts.workingDir, opts.projectDirectory) : undefined;
  let files = opts.files?.filter((f) => f !== '') ?? [];
  if (files.length === 0 && opts.env.COMPOSE_FILE) {
    const sep = opts.env.COMPOSE_PATH_SEPARATOR || ':';
    files = opts.env.COMPOSE_FILE.split(sep).filter((f) => f !== '');
  }
  if (files.length > 0) {
    const base = opts.workingDir;
    const abs = files.map((f) => (f === STDIN ? STDIN : isAbsolute(f) ? f : resolve(base, f)));
    for (const f of abs) {
      if (f !== STDIN && !isFile(f)) {
        throw new TscError('COMPOSE_FILE_NOT_FOUND', `open ${f}: no such file or directory`);
      }
    }
    const first = abs[0]!;
    const projectDir = projectDirectory ?? (first === STDIN ? opts.workingDir : dirname(first));
    return { files: abs, projectDir };
  }
  const found = findDefaultFiles(projectDirectory ?? opts.workingDir, opts.warn);
  if (!found) {
    throw new TscError('COMPOSE_FILE_NOT_FOUND', 'no configuration file provided: not found');
  }
  return { files: found, projectDir: projectDirectory ?? dirname(found[0]!) };
}

/** The first directory from `start` upward with a default Compose file, and its override. */
export function findDefaultFiles(start: string, warn?: (message: string) => void): string[] | undefined {
  let dir = resolve(start);
  for (;;) {
    const candidates = DEFAULT_FILE_NAMES.map((n) => join(dir, n)).filter(isFile);
    if (candidates.length > 0) {
      if (candidates.length > 1 && warn) {
        warn(`Found multiple config files with supported names: ${candidates.join(', ')}\nUsing ${candidates[0]}`);
      }
      const override = DEFAULT_OVERRIDE_NAMES.map((n) => join(dir, n)).filter(isFile);
      if (override.length > 1 && warn) {
        warn(`Found multiple config files with supported names: ${override.join(', ')}\nUsing ${override[0]}`);
      }
      return override.length > 0 ? [candidates[0]!, override[0]!] : [candidates[0]!];
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function isFile(path: string): boolean {
  try {
    return existsSync(path) && statSync(path).isFile();
  } catch {
    return false;
  }
}
