// The project name, chosen as Docker Compose does (compose-go cli/options.go
// and loader.projectName): `-p` › COMPOSE_PROJECT_NAME › `name:` › the base
// name of the project directory. A name given with `-p`, the environment or
// `name:` must already be valid (recent Compose rejects `name: My App`, which
// old versions silently normalized); the directory name is normalized.
import { basename, resolve } from 'node:path';
import { ComposeError } from '../util/errors.js';
import type { SourcePos } from '../util/errors.js';

export interface ProjectNameOptions {
  flag?: string;
  env: Record<string, string | undefined>;
  nameField?: string;
  projectDir: string;
  /** Where `name:` is written, for errors about it. */
  pos?: SourcePos;
}

/** Lowercase, only `[a-z0-9_-]`, no leading `_` or `-` (compose-go NormalizeProjectName). */
export function normalizeProjectName(name: string): string {
  return (name.toLowerCase().match(/[a-z0-9_-]/g) ?? []).join('').replace(/^[_-]+/, '');
}

export function isValidProjectName(name: string): boolean {
  return name !== '' && normalizeProjectName(name) === name;
}

export function invalidProjectNameMessage(name: string): string {
  return `invalid project name ${JSON.stringify(name)}: must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number`;
}

export function resolveProjectName(opts: ProjectNameOptions): string {
  const imperative = nonEmpty(opts.flag) ?? nonEmpty(opts.env.COMPOSE_PROJECT_NAME);
  if (imperative !== undefined) {
    if (!isValidProjectName(imperative)) {
      throw new ComposeError(invalidProjectNameMessage(imperative), { code: 'COMPOSE_PROJECT_NAME' });
    }
    return imperative;
  }
  const fromField = nonEmpty(opts.nameField);
  if (fromField !== undefined) {
    if (!isValidProjectName(fromField)) {
      throw new ComposeError(invalidProjectNameMessage(fromField), { code: 'COMPOSE_PROJECT_NAME', pos: opts.pos, path: ['name'] });
    }
    return fromField;
  }
  const dir = basename(resolve(opts.projectDir));
  const fromDir = normalizeProjectName(dir);
  if (fromDir !== '') return fromDir;
  throw new ComposeError(`project name must not be empty: the directory name ${JSON.stringify(dir)} has no valid character; set \`name:\` or use -p`, {
    code: 'COMPOSE_PROJECT_NAME',
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
