// STUB (helper I implements it): the embedded engine behind the Engine interface.
import type { Engine } from '../../engine/types.js';

export interface EmbeddedEngineOptions {
  /** State root directory (created when missing). */
  root: string;
  /** OCI runtime binary name: runc (default) or crun. */
  runtime?: 'runc' | 'crun';
}

export async function createEmbeddedEngine(opts: EmbeddedEngineOptions): Promise<Engine> {
  void opts;
  throw new Error('not implemented');
}
