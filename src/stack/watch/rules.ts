// Which rule a changed host path falls under, and what one batch of changes
// asks of each service (Docker Compose's watchRule.Matches and handleWatchBatch).
import { posix, relative, sep } from 'node:path';
import type { WatchAction, WatchExec, WatchRule } from '../../compose/develop.js';
import type { FileSync } from '../../engine/types.js';
import { anyMatcher, EPHEMERAL_PATTERNS, patternMatcher, type PathMatcher } from './ignore-patterns.js';

export interface CompiledRule extends WatchRule {
  ignored: PathMatcher;
  /** undefined: everything under the path is included. */
  included?: PathMatcher;
}

/**
 * A rule's matchers: its `ignore`, the build context's .dockerignore (given
 * here as patterns relative to `context`), editors' temporary files and `.git`.
 */
export function compileRule(rule: WatchRule, dockerignore?: { context: string; patterns: string[] }): CompiledRule {
  const ignored = anyMatcher([
    patternMatcher(rule.path, rule.ignore),
    dockerignore ? patternMatcher(dockerignore.context, dockerignore.patterns) : patternMatcher('/', []),
    patternMatcher(rule.path, [...EPHEMERAL_PATTERNS, '**/.git']),
  ]);
  return { ...rule, ignored, ...(rule.include.length > 0 ? { included: patternMatcher(rule.path, rule.include) } : {}) };
}

/** The container path `hostPath` maps to under `rule`, or undefined when the rule does not take it. */
export function matchRule(rule: CompiledRule, hostPath: string): { containerPath?: string } | undefined {
  const rel = relative(rule.path, hostPath);
  if (rel === '..' || rel.startsWith(`..${sep}`) || posix.isAbsolute(rel)) return undefined;
  if (rule.included && !rule.included.matches(hostPath)) return undefined;
  if (rule.ignored.matches(hostPath)) return undefined;
  if (rule.target === undefined) return {};
  return { containerPath: rel === '' ? rule.target : posix.join(rule.target, rel.split(sep).join('/')) };
}

export interface ServiceWork {
  sync: FileSync[];
  restart: boolean;
  rebuild: boolean;
  /** Each hook once, in rule order. */
  exec: WatchExec[];
}

/** What a batch of changed paths asks of each service. */
export function planBatch(paths: readonly string[], rules: readonly CompiledRule[]): Map<string, ServiceWork> {
  const work = new Map<string, ServiceWork>();
  const of = (service: string) => {
    let w = work.get(service);
    if (!w) work.set(service, (w = { sync: [], restart: false, rebuild: false, exec: [] }));
    return w;
  };
  const execRules = new Map<string, Set<number>>();
  for (const path of [...paths].sort()) {
    rules.forEach((rule, i) => {
      const m = matchRule(rule, path);
      if (!m) return;
      const w = of(rule.service);
      const action: WatchAction = rule.action;
      if (action === 'rebuild') w.rebuild = true;
      if (action === 'restart' || action === 'sync+restart') w.restart = true;
      if (action.startsWith('sync') && m.containerPath) w.sync.push({ hostPath: path, containerPath: m.containerPath });
      if (action === 'sync+exec') {
        const seen = execRules.get(rule.service) ?? new Set<number>();
        execRules.set(rule.service, seen);
        if (!seen.has(i) && rule.exec) {
          seen.add(i);
          w.exec.push(rule.exec);
        }
      }
    });
  }
  return work;
}
