// Removes a container's finished run from the OCI runtime (runc state,
// cgroups, conmon, exit file) but keeps its log, so the next start appends to
// it as Docker keeps the logs of every run. ContainerRuntime.delete removes
// the log too: that one is for `rm`.
import { rmSync } from 'node:fs';
import { removeCgroups } from '../runtime/cgroups.js';
import { pollUntil } from '../runtime/poll.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { isAlive } from '../state/process-ref.js';

export async function resetRuntime(ctr: ContainerRuntime): Promise<void> {
  // An exit file: the process is gone, nothing to kill (spares a `runc state`).
  if (!ctr.exitCode()) {
    const rs = await ctr.runtime.state(ctr.id).catch(() => undefined);
    if (rs && rs.status !== 'stopped') await ctr.runtime.kill(ctr.id, 'SIGKILL').catch(() => undefined);
  }
  await ctr.runtime.delete(ctr.id, { force: true });
  const ref = ctr.conmonRef();
  if (ref) {
    if (!(await pollUntil(() => !isAlive(ref), 5_000))) {
      try {
        process.kill(ref.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    rmSync(ctr.paths.conmonRecord, { force: true });
  }
  removeCgroups(ctr.cgroupsPath);
  rmSync(ctr.paths.exitFile, { force: true });
}
