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
  const kind = globals.engine ?? process.env.TSCOMPOSE_ENGINE ?? 'embedded';
  if (kind !== 'embedded') {
    throw new TscError('ENGINE_UNSUPPORTED', `engine "${kind}" is not available yet: use --engine embedded`);
  }
  const root = resolveStateRoot({ flag: globals.root, env: process.env });
  return createEmbeddedEngine({ root });
}

/** The project name without loading the files when `-p` or COMPOSE_PROJECT_NAME says it. */
export function projectNameHint(globals: GlobalOptions): string | undefined {
  return globals.projectName ?? process.env.COMPOSE_PROJECT_NAME;
}
