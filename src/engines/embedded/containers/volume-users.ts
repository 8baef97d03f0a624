// The containers that mount a volume (records still being made included): a
// volume in use is not removed.
import { listRecords } from '../state/containers.js';
import type { StateRoot } from '../state/root.js';
import { configExtra } from './layout.js';

export function volumeUsers(root: StateRoot, name: string): string[] {
  return listRecords(root, { includeCreating: true })
    .filter((r) => (configExtra(r.config.extra).mounts ?? []).some((m) => m.type === 'volume' && m.source === name))
    .map((r) => r.config.id);
}
