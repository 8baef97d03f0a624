// The container records one agent service looks after (a healthcheck, a
// restart policy, a rotated log), listed on each of its rescans without
// parsing every record every time: that churn (all records, three services,
// each second or two) was most of the agent's memory at 300 containers. A
// config.json does not change but for a rename (its name), so whether a
// container concerns the service is decided once, from its config, and only
// the records that do are read again.
import { readdirSync } from 'node:fs';
import { compareStrings } from '../../../util/compare.js';
import { readRecord, type ContainerConfigRecord, type ContainerRecord } from '../state/containers.js';
import type { StateRoot } from '../state/root.js';

export class ConcernedRecords {
  /** Container id → whether its config concerns the service; ids gone from the root are dropped. */
  private readonly concerns = new Map<string, boolean>();

  constructor(readonly root: StateRoot, private readonly concerned: (config: ContainerConfigRecord) => boolean) {}

  /** As listRecords (complete records, oldest first), of only the containers that concern the service. */
  list(): ContainerRecord[] {
    const ids = readdirSync(this.root.containers);
    if (this.concerns.size > 0) {
      const present = new Set(ids);
      for (const id of this.concerns.keys()) if (!present.has(id)) this.concerns.delete(id);
    }
    const out: ContainerRecord[] = [];
    for (const id of ids) {
      if (this.concerns.get(id) === false) continue;
      const record = readRecord(this.root, id);
      if (!record) continue;
      const yes = this.concerned(record.config);
      this.concerns.set(id, yes);
      if (yes && record.state.phase !== 'creating') out.push(record);
    }
    return out.sort((a, b) => compareStrings(a.config.created, b.config.created));
  }

  /** How many containers are known not to concern the service (status, tests). */
  get skipped(): number {
    let n = 0;
    for (const yes of this.concerns.values()) if (!yes) n++;
    return n;
  }
}
