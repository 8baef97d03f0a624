// Durable restart records, <root>/restarts/<id>.json: a restart decided and
// not yet done. The agent writes one when it schedules a restart and removes
// it once the restart is done or no longer wanted, so that a restart due
// while the agent was down still happens when it is back.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, writeJsonAtomic } from '../../../util/atomic-file.js';

export interface RestartRecord {
  id: string;
  /** The exit this restart answers: the container's `finishedAt` at that exit (its generation). */
  exitedAt: string;
  exitCode: number;
  /** Which restart this is since the user last started the container (1, 2, ...). */
  attempt: number;
  /** ISO 8601: when the restart is due. */
  dueAt: string;
}

export function restartsDir(root: string): string {
  return join(root, 'restarts');
}

function recordPath(root: string, id: string): string {
  return join(restartsDir(root), `${id}.json`);
}

export function writeRestartRecord(root: string, record: RestartRecord): void {
  mkdirSync(restartsDir(root), { recursive: true, mode: 0o700 });
  writeJsonAtomic(recordPath(root, record.id), record);
}

export function readRestartRecord(root: string, id: string): RestartRecord | undefined {
  try {
    const rec = readJson<RestartRecord>(recordPath(root, id));
    return rec && rec.id === id && typeof rec.exitedAt === 'string' ? rec : undefined;
  } catch {
    return undefined; // damaged: the next scan decides again from the container's state
  }
}

export function removeRestartRecord(root: string, id: string): void {
  rmSync(recordPath(root, id), { force: true });
}

export function listRestartRecords(root: string): RestartRecord[] {
  let names: string[];
  try {
    names = readdirSync(restartsDir(root));
  } catch {
    return [];
  }
  const out: RestartRecord[] = [];
  for (const name of names) {
    const m = /^([0-9a-f]{64})\.json$/.exec(name);
    const rec = m ? readRestartRecord(root, m[1]!) : undefined;
    if (rec) out.push(rec);
  }
  return out;
}
