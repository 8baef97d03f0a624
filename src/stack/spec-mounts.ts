// volumes, tmpfs and volumes_from of a service as the engine's MountSpecs.
import type { ServiceConfig } from '../compose/model.js';
import type { MountSpec } from '../engine/types.js';
import { TscError } from '../util/errors.js';
import { containerName } from './labels.js';
import { volumeName } from './stack-project.js';
import type { StackProject } from './stack-project.js';
import { parseBytes } from './units.js';

export function serviceMounts(stack: StackProject, service: ServiceConfig): MountSpec[] {
  const mounts: MountSpec[] = [];
  for (const v of service.volumes ?? []) {
    const readOnly = v.read_only ? true : undefined;
    switch (v.type) {
      case 'bind':
        mounts.push({
          type: 'bind', source: v.source, target: v.target, readOnly,
          bind: { propagation: v.bind?.propagation, createHostPath: v.bind?.create_host_path !== false, selinux: v.bind?.selinux },
        });
        break;
      case 'volume':
        mounts.push({
          type: 'volume', source: v.source ? volumeName(stack.project, v.source) : '', target: v.target, readOnly,
          volume: v.volume && (v.volume.nocopy !== undefined || v.volume.subpath !== undefined)
            ? { nocopy: v.volume.nocopy, subpath: v.volume.subpath } : undefined,
        });
        break;
      case 'tmpfs':
        mounts.push({
          type: 'tmpfs', target: v.target, readOnly,
          tmpfs: v.tmpfs ? { size: v.tmpfs.size !== undefined ? parseBytes(v.tmpfs.size) : undefined, mode: v.tmpfs.mode } : undefined,
        });
        break;
      default:
        throw new TscError('UNSUPPORTED', `service "${service.name}": volumes of type ${v.type} are not supported by this engine (at ${v.target})`);
    }
  }
  for (const entry of service.tmpfs ?? []) mounts.push(parseTmpfs(entry));
  return mounts.map(dropUndefined);
}

/** `/run` or `/tmp:size=10m,mode=1777` (Docker's --tmpfs syntax). */
export function parseTmpfs(entry: string): MountSpec {
  const [target, options] = splitOnce(entry, ':');
  const tmpfs: { size?: number; mode?: number } = {};
  for (const opt of options ? options.split(',') : []) {
    const [key, value] = splitOnce(opt, '=');
    if (key === 'size' && value) tmpfs.size = parseBytes(value);
    else if (key === 'mode' && value) tmpfs.mode = parseInt(value, 8);
  }
  return { type: 'tmpfs', target, ...(Object.keys(tmpfs).length > 0 ? { tmpfs } : {}) };
}

/** `db` / `db:ro` → the service's first container; `container:x:ro` → `x:ro`. */
export function serviceVolumesFrom(stack: StackProject, service: ServiceConfig): string[] | undefined {
  if (!service.volumes_from?.length) return undefined;
  return service.volumes_from.map((entry) => {
    if (entry.startsWith('container:')) return entry.slice('container:'.length);
    const [name, mode] = splitOnce(entry, ':');
    const target = stack.project.services[name];
    const ref = target?.container_name ?? containerName(stack.project.name, name, 1);
    return mode ? `${ref}:${mode}` : ref;
  });
}

function splitOnce(text: string, sep: string): [string, string | undefined] {
  const i = text.indexOf(sep);
  return i < 0 ? [text, undefined] : [text.slice(0, i), text.slice(i + 1)];
}

function dropUndefined<T extends object>(value: T): T {
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) delete (value as Record<string, unknown>)[k];
    else if (typeof v === 'object' && v !== null && !Array.isArray(v)) dropUndefined(v as object);
  }
  return value;
}
