// `services.*.develop.watch`: the checks Compose makes beyond the schema
// (compose-go checkConsistency, Docker Compose's watch set-up), each at the
// line it is about, and the typed rules that `watch` runs.
import { posix } from 'node:path';
import { ComposeError } from '../util/errors.js';
import type { ComposePath } from '../util/errors.js';
import type { ServiceConfig } from './model.js';
import { splitShellWords } from './shell-words.js';
import { entryPos, isMap, keyPos, locate } from './source.js';

export type WatchAction = 'sync' | 'rebuild' | 'restart' | 'sync+restart' | 'sync+exec';

export interface WatchExec {
  command: string[];
  user?: string;
  privileged?: boolean;
  workingDir?: string;
  env?: Record<string, string>;
}

export interface WatchRule {
  service: string;
  /** Absolute host path (a directory or a file). */
  path: string;
  action: WatchAction;
  /** Absolute container path; for the sync actions only. */
  target?: string;
  ignore: string[];
  include: string[];
  initialSync: boolean;
  exec?: WatchExec;
}

const SYNC_ACTIONS: ReadonlySet<string> = new Set(['sync', 'sync+restart', 'sync+exec']);

export function isSyncAction(action: WatchAction): boolean {
  return SYNC_ACTIONS.has(action);
}

/** What is wrong with a service's `develop.watch` (normalized tree, positions kept). */
export function developErrors(service: Record<string, unknown>, at: ComposePath): ComposeError[] {
  const develop = service.develop;
  if (!isMap(develop) || !Array.isArray(develop.watch)) return [];
  const errors: ComposeError[] = [];
  const name = String(at[at.length - 1]);
  develop.watch.forEach((rule: unknown, i: number) => {
    if (!isMap(rule)) return;
    const path = [...at, 'develop', 'watch', i];
    const fail = (message: string, key?: string) => errors.push(new ComposeError(message, {
      pos: (key && (keyPos(rule, key) ?? entryPos(rule, key))) || entryPos(develop.watch, i) || locate(service, ['develop', 'watch', i]),
      path: key ? [...path, key] : path,
    }));
    const action = String(rule.action);
    if (SYNC_ACTIONS.has(action) && (typeof rule.target !== 'string' || rule.target === '')) {
      fail(`services.${name}.develop.watch: target is required for sync, sync+exec and sync+restart actions: invalid compose project`);
    }
    if (action === 'rebuild' && service.build === undefined) {
      fail(`can't watch service "${name}" with action rebuild without a build context`, 'action');
    }
    if (action === 'sync+exec' && !isMap(rule.exec)) fail(`can't watch with action "sync+exec" on service ${name} without a command`, 'action');
    if (action !== 'sync+exec' && rule.exec !== undefined) fail(`exec applies only to action sync+exec (this rule's action is ${action})`, 'exec');
    if (!SYNC_ACTIONS.has(action) && rule.initial_sync !== undefined) fail(`initial_sync applies only to the sync actions (this rule's action is ${action})`, 'initial_sync');
    // A `target` on restart/rebuild is left alone: older Compose versions required one on every non-rebuild rule.
  });
  return errors;
}

/** The watch rules of a (validated) service. */
export function watchRulesOf(service: ServiceConfig): WatchRule[] {
  const develop = service.develop;
  if (!isMap(develop) || !Array.isArray(develop.watch)) return [];
  return develop.watch.filter(isMap).map((rule): WatchRule => {
    const action = rule.action as WatchAction;
    const exec = isMap(rule.exec) ? execOf(rule.exec) : undefined;
    return {
      service: service.name,
      path: String(rule.path),
      action,
      ...(isSyncAction(action) && typeof rule.target === 'string' ? { target: posix.resolve('/', rule.target) } : {}),
      ignore: listOf(rule.ignore),
      include: listOf(rule.include),
      initialSync: rule.initial_sync === true || rule.initial_sync === 'true',
      ...(exec ? { exec } : {}),
    };
  });
}

function listOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.map(String) : [];
}

function execOf(hook: Record<string, unknown>): WatchExec {
  const env = Object.entries(isMap(hook.environment) ? hook.environment : envList(hook.environment))
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => [k, String(v)] as const);
  return {
    command: Array.isArray(hook.command) ? hook.command.map(String) : splitShellWords(String(hook.command ?? '')),
    ...(typeof hook.user === 'string' ? { user: hook.user } : {}),
    ...(hook.privileged === true || hook.privileged === 'true' ? { privileged: true } : {}),
    ...(typeof hook.working_dir === 'string' ? { workingDir: hook.working_dir } : {}),
    ...(env.length ? { env: Object.fromEntries(env) } : {}),
  };
}

/** `["A=1", "B"]` as a map (a bare name is unset). */
function envList(value: unknown): Record<string, string | null> {
  if (!Array.isArray(value)) return {};
  const out: Record<string, string | null> = {};
  for (const item of value.map(String)) {
    const eq = item.indexOf('=');
    if (eq < 0) out[item] = null;
    else out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}
