// The agent's pidfile: its pid with the kernel start time, so a recycled pid
// is not taken for a live agent.
import { rmSync } from 'node:fs';
import { readJson, writeJsonAtomic } from '../../../util/atomic-file.js';
import { isAlive, selfRef, type ProcessRef } from '../state/process-ref.js';

export interface AgentPidRecord extends ProcessRef {
  /** ISO 8601. */
  startedAt: string;
}

export function readAgentPid(path: string): AgentPidRecord | undefined {
  try {
    const rec = readJson<AgentPidRecord>(path);
    return rec && Number.isInteger(rec.pid) ? rec : undefined;
  } catch {
    return undefined; // damaged: as good as none
  }
}

/** The recorded agent when it is alive. */
export function liveAgent(path: string): AgentPidRecord | undefined {
  const rec = readAgentPid(path);
  return rec && isAlive(rec) ? rec : undefined;
}

export function writeOwnPid(path: string): AgentPidRecord {
  const rec: AgentPidRecord = { ...selfRef(), startedAt: new Date().toISOString() };
  writeJsonAtomic(path, rec);
  return rec;
}

/** Removes the pidfile only when it still names this process. */
export function removeOwnPid(path: string): void {
  if (readAgentPid(path)?.pid === process.pid) rmSync(path, { force: true });
}
