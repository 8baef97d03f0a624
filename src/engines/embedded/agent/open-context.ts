// The context of an engine's containers for a process that did not create the
// engine (the agent, `system boot`, tests): the stores without the engine's
// in-use checks, and the DNS agent started on demand.
import type { ContainerContext } from '../containers/context.js';
import { ImageStore } from '../images/store.js';
import { NetworkManager } from '../networks/manager.js';
import type { RuntimeName } from '../runtime/runc.js';
import { openStateRoot, type StateRoot } from '../state/root.js';
import { LocalVolumeStore } from '../volumes/store.js';
import { ensureDnsAgent } from './dns-agent.js';

/** For tests and `system` commands: the context of an engine's containers over `root`. */
export function openContainerContext(root: StateRoot | string, runtime: RuntimeName = 'runc'): ContainerContext {
  const stateRoot = typeof root === 'string' ? openStateRoot(root) : root;
  return {
    root: stateRoot, images: new ImageStore({ root: stateRoot.path }), volumes: new LocalVolumeStore(stateRoot), runtime,
    network: new NetworkManager(stateRoot), ensureDns: () => ensureDnsAgent(stateRoot.path),
  };
}
