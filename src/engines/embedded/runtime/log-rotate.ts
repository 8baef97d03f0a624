// Docker's json-file rotation for conmon's k8s-file log, which conmon cannot
// do itself (its --log-size-max only empties the one file). With max-file > 1
// conmon runs without a size limit and the agent (log-rotate-service.ts)
// calls rotateLog when the log has reached max-size: ctr.log becomes
// ctr.log.1, older ones shift up, the oldest is dropped, then conmon reopens
// (its REOPEN_LOGS_EVENT makes a fresh ctr.log by tmp file and rename, so a
// reader that sees a new ctr.log knows the old one is complete).
// The log directory is the engine's, never the container's: plain paths are safe.
import { renameSync, rmSync, statSync } from 'node:fs';
import type { ContainerSpec } from '../../../engine/types.js';
import { reopenLog } from './attach-socket.js';

/** Whether the agent rotates this log (else conmon's --log-size-max empties the one file). */
export function rotatesLog(log: ContainerSpec['log']): log is NonNullable<ContainerSpec['log']> & { maxSizeBytes: number; maxFile: number } {
  return !!log && log.driver !== 'none' && (log.maxFile ?? 1) > 1 && (log.maxSizeBytes ?? 0) > 0;
}

/** The rotated files of `logPath` that exist, oldest first (ctr.log.N … ctr.log.1), without ctr.log itself. */
export function rotatedLogs(logPath: string): string[] {
  const out: string[] = [];
  for (let n = 1; exists(`${logPath}.${n}`); n++) out.unshift(`${logPath}.${n}`);
  return out;
}

/** Whether the log has reached `maxSizeBytes` and must be rotated. */
export function needsRotation(logPath: string, maxSizeBytes: number): boolean {
  const size = statSync(logPath, { throwIfNoEntry: false })?.size;
  return size !== undefined && size >= maxSizeBytes;
}

/**
 * Rotates `logPath` keeping `maxFile` files in all; false when conmon could not
 * be told (gone): its file is then already ctr.log.1 and nothing writes any more.
 */
export function rotateLog(logPath: string, bundleDir: string, maxFile: number): boolean {
  for (let n = maxFile; exists(`${logPath}.${n}`); n++) rmSync(`${logPath}.${n}`, { force: true }); // a smaller max-file than before
  for (let n = maxFile - 1; n >= 2; n--) {
    if (exists(`${logPath}.${n - 1}`)) renameSync(`${logPath}.${n - 1}`, `${logPath}.${n}`);
  }
  renameSync(logPath, `${logPath}.1`);
  return reopenLog(bundleDir);
}

const exists = (path: string) => statSync(path, { throwIfNoEntry: false }) !== undefined;
