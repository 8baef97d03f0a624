// What the container service's parts share: the state root, the image and
// volume stores, the network manager, the OCI runtime to use, and a
// per-container operation lock.
import type { ContainerSpec } from '../../../engine/types.js';
import type { ImageStore } from '../images/store.js';
import type { NetworkManager } from '../networks/manager.js';
import type { RuntimeName } from '../runtime/runc.js';
import { ContainerRuntime } from '../runtime/container-runtime.js';
import { rotatesLog } from '../runtime/log-rotate.js';
import { acquireLock } from '../state/lock.js';
import type { StateRoot } from '../state/root.js';
import type { LocalVolumeStore } from '../volumes/store.js';

export interface ContainerContext {
  root: StateRoot;
  images: ImageStore;
  volumes: LocalVolumeStore;
  runtime: RuntimeName;
  network: NetworkManager;
  /** Makes sure the DNS agent runs and has read the latest endpoints. */
  ensureDns: () => Promise<void>;
}

/**
 * `exitCommand`: what conmon runs when the container exits, `log`: the
 * container's log settings (both only needed by the start that launches conmon).
 */
export function runtimeOf(ctx: ContainerContext, id: string, name?: string, exitCommand?: string[], log?: ContainerSpec['log']): ContainerRuntime {
  return new ContainerRuntime({
    stateRoot: ctx.root.path, id, name, runtime: ctx.runtime, exitCommand,
    // Several files: the agent rotates; conmon's own limit would empty the file.
    ...(log?.maxSizeBytes && !rotatesLog(log) ? { logSizeMax: log.maxSizeBytes } : {}),
    ...(log?.driver === 'none' ? { noLog: true } : {}),
  });
}

/**
 * Serializes start/stop/remove/state sync of one container across commands
 * (the agent and a CLI command may act on it at once). Not reentrant: never
 * call one locked operation from another.
 */
export async function withContainerLock<T>(ctx: ContainerContext, id: string, what: string, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(ctx.root.lockFile(`container-op-${id}`), { command: what }, { timeoutMs: 5 * 60_000, pollMs: 20 });
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
