// The registry client the engine gives its image store for pull and push.
// Loaded on first use: most commands never talk to a registry.
import type { RegistryClient } from '../images/store.js';

export const registryClient: RegistryClient = {
  pull: async (store, ref, opts) => (await import('./pull.js')).pullImage(store, ref, opts),
  push: async (store, ref, opts) => (await import('./push.js')).pushImage(store, ref, opts),
};
