// What a stage is after each step: its layers, its image config, the ARGs in
// scope, and the chain key that names it in the build cache.
import { createHash } from 'node:crypto';
import type { ImageDetails } from '../../../engine/types.js';
import type { LayerRef } from './workspace.js';

export type BuildImageConfig = ImageDetails['config'] & { Shell?: string[]; OnBuild?: string[] | null };

export interface HistoryEntry {
  created: string;
  created_by: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface StageState {
  /** The stage being built (COPY --from and RUN --mount from= may only name stages before it). */
  stageIndex: number;
  key: string;
  layers: LayerRef[];
  config: BuildImageConfig;
  history: HistoryEntry[];
  created: string;
  os: string;
  architecture: string;
  variant?: string;
  /** ARGs declared in the stage (undefined: declared without a value). */
  args: Map<string, string | undefined>;
  /** CMD came from the base image (ENTRYPOINT then clears it, as Docker does). */
  cmdFromBase: boolean;
}

export function chainKey(parent: string, ...parts: string[]): string {
  const h = createHash('sha256').update(parent);
  for (const p of parts) h.update('\0').update(p);
  return h.digest('hex');
}

export function envMap(config: BuildImageConfig): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of config.Env ?? []) {
    const eq = item.indexOf('=');
    if (eq > 0) out.set(item.slice(0, eq), item.slice(eq + 1));
  }
  return out;
}

export function setEnv(config: BuildImageConfig, key: string, value: string): BuildImageConfig {
  const env = (config.Env ?? []).filter((e) => !e.startsWith(`${key}=`));
  return { ...config, Env: [...env, `${key}=${value}`] };
}

/** What instructions expand with: ARG values, overridden by ENV (Docker's rule). */
export function expansionEnv(state: StageState): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of state.args) if (v !== undefined) out.set(k, v);
  for (const [k, v] of envMap(state.config)) out.set(k, v);
  return out;
}
