// What the restart service loads once a container has a restart policy, not
// at the agent's start: the container stores and the start path (runtime,
// mounts, networking) are most of the agent's code, and a state root whose
// containers have no restart policy never needs them.
export { openContainerContext } from './open-context.js';
export { decideOnExit, exitPending } from './restart-on-exit.js';
export { performRestart } from './restart-perform.js';
