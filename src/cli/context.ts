// What most commands need: the loaded project and an open engine.
import { loadProject } from '../compose/load.js';
import type { LoadOptions, LoadResult } from '../compose/load.js';
import type { Engine } from '../engine/types.js';
import { createEmbeddedEngine } from '../engines/embedded/engine.js';
import { resolveStateRoot } from '../engines/embedded/state/root.js';
import { TscError } from '../util/errors.js';
import { loadOptionsFrom } from './global-options.js';
import type { GlobalOptions } from './global-options.js';

export function loadProjectFor(globals: GlobalOptions, extra: Partial<LoadOptions> = {}): LoadResult {
  return loadProject(loadOptionsFrom(globals, extra));
}

export async function openEngine(globals: GlobalOptions): Promise<Engine> {
  const kind = engineKind(globals);
  if (kind === 'docker') {
    const { createDockerEngine } = await import('../engines/docker/engine.js');
    return createDockerEngine();
  }
  const root = resolveStateRoot({ flag: globals.root, env: process.env });
  return createEmbeddedEngine({ root });
}

/** The values of `--engine`. */
export const ENGINE_KINDS = ['embedded', 'docker'] as const;

/**
 * `--engine`, else TSCOMPOSE_ENGINE, else embedded. DOCKER_HOST or a Docker
 * context alone does not switch engines: they say where a Docker engine is,
 * not that this project runs there.
 */
export function engineKind(globals: Pick<GlobalOptions, 'engine'>, env: NodeJS.ProcessEnv = process.env): (typeof ENGINE_KINDS)[number] {
  const kind = globals.engine ?? (env.TSCOMPOSE_ENGINE || 'embedded');
  if (!(ENGINE_KINDS as readonly string[]).includes(kind)) {
    throw new TscError('ENGINE_UNSUPPORTED', `unknown engine "${kind}": use --engine embedded (no daemon) or --engine docker`);
  }
  return kind as (typeof ENGINE_KINDS)[number];
}

/** The project name without loading the files when `-p` or COMPOSE_PROJECT_NAME says it. */
export function projectNameHint(globals: GlobalOptions): string | undefined {
  return globals.projectName ?? process.env.COMPOSE_PROJECT_NAME;
}
