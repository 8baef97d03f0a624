// The service a one-off container of `run` is made from: the service with the
// command line's overrides, without its published ports (unless asked) and
// without a restart policy, as Docker Compose's run.
import { randomBytes } from 'node:crypto';
import type { ServiceConfig } from '../compose/model.js';
import type { ServicePortConfig, ServiceVolumeConfig } from '../compose/types.js';

export interface OneoffOverrides {
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | null>;
  volumes?: ServiceVolumeConfig[];
  ports?: ServicePortConfig[];
  servicePorts?: boolean;
  user?: string;
  workingDir?: string;
  tty?: boolean;
  stdinOpen?: boolean;
  labels?: Record<string, string>;
}

export function oneoffService(service: ServiceConfig, o: OneoffOverrides): ServiceConfig {
  const copy: Record<string, unknown> = { ...service };
  if (o.command && o.command.length > 0) copy.command = o.command;
  if (o.entrypoint) {
    copy.entrypoint = o.entrypoint;
    if (!o.command?.length) delete copy.command;
  }
  if (o.environment) copy.environment = { ...(service.environment ?? {}), ...o.environment };
  if (o.volumes?.length) copy.volumes = [...(service.volumes ?? []), ...o.volumes];
  copy.ports = o.servicePorts ? [...(service.ports ?? []), ...(o.ports ?? [])] : o.ports;
  if (!copy.ports || (copy.ports as unknown[]).length === 0) delete copy.ports;
  if (o.user !== undefined) copy.user = o.user;
  if (o.workingDir !== undefined) copy.working_dir = o.workingDir;
  if (o.tty !== undefined) copy.tty = o.tty;
  if (o.stdinOpen !== undefined) copy.stdin_open = o.stdinOpen;
  if (o.labels) copy.labels = { ...(service.labels ?? {}), ...o.labels };
  delete copy.restart;
  delete copy.container_name;
  Object.defineProperty(copy, 'name', { value: service.name, enumerable: false });
  return copy as ServiceConfig;
}

/** 64 hex characters, as Docker's random ids; names use the first 12. */
export function newSlug(): string {
  return randomBytes(32).toString('hex');
}
