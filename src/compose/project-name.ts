// The project name, chosen as Docker Compose does (compose-go cli/options.go
// and loader.projectName): `-p` › COMPOSE_PROJECT_NAME › `name:` › the base
// name of the project directory. A name given with `-p` or the environment
// must already be valid; `name:` (interpolated first) and the directory name
// are normalized, as compose-go's NormalizeProjectName does.
import { basename, resolve } from 'node:path';
import { ComposeError } from '../util/errors.js';

export interface ProjectNameOptions {
  flag?: string;
  env: Record<string, string | undefined>;
  /** The top-level `name:` as written (interpolated). */
  nameField?: string;
  projectDir: string;
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
  const fromField = nonEmpty(opts.nameField === undefined ? undefined : normalizeProjectName(opts.nameField));
  if (fromField !== undefined) return fromField;
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
