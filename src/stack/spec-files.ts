// secrets and configs as files the engine writes into the container and
// mounts read-only, as Docker Compose does for a non-Swarm engine: a secret
// at /run/secrets/<target>, a config at its target (default /<name>).
import type { ServiceConfig } from '../compose/model.js';
import type { ContainerFileSpec } from '../engine/types.js';
import { TscError } from '../util/errors.js';
import type { StackProject } from './stack-project.js';

/** Docker Compose's default mode of a secret or config file. */
const DEFAULT_MODE = 0o444;

export function serviceFiles(stack: StackProject, service: ServiceConfig): ContainerFileSpec[] | undefined {
  const out: ContainerFileSpec[] = [];
  for (const kind of ['secrets', 'configs'] as const) {
    for (const ref of service[kind] ?? []) {
      const def = stack.project[kind][ref.source];
      if (!def) throw new TscError('COMPOSE_INVALID', `service "${service.name}" refers to undefined ${kind === 'secrets' ? 'secret' : 'config'} ${ref.source}`);
      if (def.external) {
        throw new TscError('UNSUPPORTED_KEY', `services.${service.name}.${kind}: ${ref.source} is external, which needs Swarm; the embedded engine supports file, environment and content sources`);
      }
      const file: ContainerFileSpec = {
        target: targetOf(kind, ref.target ?? ref.source),
        mode: typeof ref.mode === 'number' ? ref.mode : DEFAULT_MODE,
        uid: idOf(ref.uid, 'uid', service.name),
        gid: idOf(ref.gid, 'gid', service.name),
      };
      if (typeof def.file === 'string') file.source = def.file;
      else if (typeof def.content === 'string') file.content = Buffer.from(def.content).toString('base64');
      else if (typeof def.environment === 'string') {
        const value = stack.env?.[def.environment];
        if (value === undefined) {
          throw new TscError('COMPOSE_INVALID', `${kind === 'secrets' ? 'secret' : 'config'} ${ref.source}: environment variable ${def.environment} is not set`);
        }
        file.content = Buffer.from(value).toString('base64');
      } else {
        throw new TscError('COMPOSE_INVALID', `${kind === 'secrets' ? 'secret' : 'config'} ${ref.source} has no file, environment or content`);
      }
      out.push(file);
    }
  }
  return out.length > 0 ? out : undefined;
}

function targetOf(kind: 'secrets' | 'configs', target: string): string {
  if (target.startsWith('/')) return target;
  return kind === 'secrets' ? `/run/secrets/${target}` : `/${target}`;
}

function idOf(value: string | undefined, what: string, service: string): number {
  if (value === undefined || value === '') return 0;
  if (!/^[0-9]+$/.test(value)) throw new TscError('COMPOSE_INVALID', `services.${service}: ${what} of a secret or config must be a number, not ${JSON.stringify(value)}`);
  return Number(value);
}
