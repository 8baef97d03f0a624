// What the embedded engine keeps for one container beside its records, and
// the engine data in those records (config.extra fixed at create, state.extra
// changing with each start/stop).
import { join } from 'node:path';
import type { ContainerNetworkDetails, ImageDetails, MountSpec, PortBinding } from '../../../engine/types.js';

export interface ContainerLayout {
  dir: string;
  upper: string;
  work: string;
  rootfs: string;
  bundle: string;
  hosts: string;
  hostname: string;
  resolvConf: string;
  /** Secrets and configs written for the container (container-files.ts). */
  files: string;
}

export function containerLayout(dir: string): ContainerLayout {
  return {
    dir,
    upper: join(dir, 'upper'),
    work: join(dir, 'work'),
    rootfs: join(dir, 'rootfs'),
    bundle: join(dir, 'bundle'),
    hosts: join(dir, 'hosts'),
    hostname: join(dir, 'hostname'),
    resolvConf: join(dir, 'resolv.conf'),
    files: join(dir, 'files'),
  };
}

/** A mount as the container will get it: anonymous volumes named, `volumes_from` mounts included. */
export type EffectiveMount = MountSpec & { source: string };

export interface ContainerConfigExtra {
  imageId: string;
  imageConfig: ImageDetails['config'];
  hostname: string;
  /** Resolved process (entrypoint + command after image defaults). */
  path: string;
  args: string[];
  mounts: EffectiveMount[];
  /** Anonymous volumes made for this container, removed with `rm -v`. */
  anonymousVolumes: string[];
}

export interface ContainerStateExtra {
  /** Volume names mounted for the running container (to unmount on stop). */
  mountedVolumes?: string[];
  /** What the run got from its networks: endpoints and the ports as published (random ones resolved). */
  network?: ContainerNetworkDetails & { ports: PortBinding[] };
}

export function configExtra(extra: Record<string, unknown>): ContainerConfigExtra {
  return extra as unknown as ContainerConfigExtra;
}

export function stateExtra(extra: Record<string, unknown>): ContainerStateExtra {
  return extra as ContainerStateExtra;
}
