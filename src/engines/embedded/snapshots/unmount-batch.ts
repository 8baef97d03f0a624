// Unmounts of concurrent releases (down of many containers) in one `umount`
// process and one mountinfo read per wave instead of one each: on a host with
// hundreds of mounts, reading /proc/self/mountinfo costs milliseconds too.
import { resolve } from 'node:path';
import { Batcher, type ItemOutcome } from '../../../util/batch.js';
import { execFile, ProcessError } from '../../../util/exec.js';
import { readMountPoints } from '../state/mountinfo.js';

async function unmountWave(targets: string[]): Promise<Array<ItemOutcome<void>>> {
  const mounted = new Set(readMountPoints());
  const todo = [...new Set(targets.filter((t) => mounted.has(t)))];
  if (todo.length === 0) return targets.map(() => ({ ok: true, value: undefined }));
  let failure: ProcessError | undefined;
  await execFile(['umount', ...todo]).catch((error: unknown) => {
    if (!(error instanceof ProcessError)) throw error;
    failure = error;
  });
  if (!failure) return targets.map(() => ({ ok: true, value: undefined }));
  const still = new Set(readMountPoints());
  const stderr = failure.stderr;
  return targets.map((t) => {
    if (!still.has(t)) return { ok: true, value: undefined };
    const own = stderr.split('\n').filter((l) => l.includes(`${t}:`)).join('\n');
    return { ok: false, error: new ProcessError(['umount', t], failure!.exitCode_, failure!.signal, own || stderr) };
  });
}

const batcher = new Batcher<string, void>(unmountWave);

/** Unmounts `target` along with other callers' targets; not mounted is not an error. */
export function unmountBatched(target: string): Promise<void> {
  return batcher.submit(resolve(target));
}
