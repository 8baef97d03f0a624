// Lifecycle hooks of a service (`post_start`, `pre_stop`): commands exec'd in
// the container right after it starts / before it stops, as Docker Compose
// runs them. A failing post_start fails the start; a pre_stop on a container
// that is not running (any more) is skipped.
import { Writable } from 'node:stream';
import type { Project, ServiceConfig } from '../compose/model.js';
import { splitShellWords } from '../compose/shell-words.js';
import type { Engine, ExecSpec } from '../engine/types.js';
import { TscError } from '../util/errors.js';
import type { PlanStep } from './plan-types.js';

export interface ServiceHook {
  command: string[];
  user?: string;
  privileged?: boolean;
  workingDir?: string;
  env?: Record<string, string>;
}

export type HookKind = 'post_start' | 'pre_stop';

export function serviceHooks(service: ServiceConfig | undefined, kind: HookKind): ServiceHook[] {
  const raw = service?.[kind];
  if (!Array.isArray(raw)) return [];
  return raw.map((h: Record<string, unknown>) => {
    const env = Object.entries((h.environment ?? {}) as Record<string, string | null>).filter(([, v]) => v !== null && v !== undefined);
    return {
      command: Array.isArray(h.command) ? h.command.map(String) : splitShellWords(String(h.command ?? '')),
      ...(typeof h.user === 'string' ? { user: h.user } : {}),
      ...(h.privileged === true ? { privileged: true } : {}),
      ...(typeof h.working_dir === 'string' ? { workingDir: h.working_dir } : {}),
      ...(env.length ? { env: Object.fromEntries(env) as Record<string, string> } : {}),
    };
  });
}

export interface HookRunner {
  postStart(step: PlanStep, containerId: string): Promise<void>;
  preStop(step: PlanStep, containerId: string): Promise<void>;
}

/** The executor's hook runners for the services of `project`. */
export function createHookRunner(engine: Engine, project: Project): HookRunner {
  const run = async (kind: HookKind, step: PlanStep, id: string) => {
    const service = step.service ? project.services[step.service] : undefined;
    for (const hook of serviceHooks(service, kind)) {
      if (kind === 'pre_stop') {
        const c = await engine.containers.inspect(id);
        if (c?.state.status !== 'running') return;
      }
      const { code, output } = await execHook(engine, id, hook);
      if (code !== 0) {
        throw new TscError('HOOK_FAILED', `${step.service} hook exited with status ${code}${output.trim() ? `:\n${output.trim()}` : ''}`);
      }
    }
  };
  return { postStart: (step, id) => run('post_start', step, id), preStop: (step, id) => run('pre_stop', step, id) };
}

async function execHook(engine: Engine, id: string, hook: ServiceHook): Promise<{ code: number; output: string }> {
  let output = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (output.length < 4096) output += chunk.toString('utf8');
      cb();
    },
  });
  const spec: ExecSpec = { cmd: hook.command, user: hook.user, privileged: hook.privileged, workingDir: hook.workingDir, env: hook.env };
  const code = await engine.containers.exec(id, spec, { stdout: sink, stderr: sink });
  return { code, output: output.slice(0, 4096) };
}
