// What happens when a container with a restart policy has exited: under the
// container's lock, the run is finalized (state "exited", mounts released),
// then the policy decides; a restart is recorded durably (restarts/<id>.json)
// and the container shows "restarting" until it is due.
import { NEVER, readRecord, updateState, type ContainerRecord } from '../state/containers.js';
import { isAlive } from '../state/process-ref.js';
import { runtimeOf, withContainerLock, type ContainerContext } from '../containers/context.js';
import { isActive, needsSync, syncLocked } from '../containers/sync.js';
import { decideRestart, elapsedMs, hasRestartPolicy } from '../restart/policy.js';
import { removeRestartRecord, writeRestartRecord, type RestartRecord } from '../restart/records.js';
import { restartExtra, stoppedByUser } from '../restart/restart-state.js';

/** Whether a scan should look at this container: an exit not yet decided on. */
export function exitPending(ctx: ContainerContext, record: ContainerRecord): boolean {
  if (!hasRestartPolicy(record.config.spec.restartPolicy)) return false;
  if (isActive(record)) return record.state.status !== 'restarting' && needsSync(ctx, record);
  return record.state.status === 'exited' && record.state.startedAt !== NEVER && restartExtra(record.state).decided !== record.state.finishedAt;
}

/** Decides on the container's last exit; resolves with the restart scheduled, if any. */
export async function decideOnExit(ctx: ContainerContext, id: string): Promise<RestartRecord | undefined> {
  return withContainerLock(ctx, id, 'restart policy', async () => {
    if (!readRecord(ctx.root, id)) return undefined;
    releaseFinishedMonitor(ctx, id);
    const record = await syncLocked(ctx, id);
    if (!record || record.state.status !== 'exited') return undefined;
    const { state } = record;
    const extra = restartExtra(state);
    if (extra.decided === state.finishedAt) return undefined;
    const decision = decideRestart(record.config.spec.restartPolicy, {
      exitCode: state.exitCode,
      stoppedByUser: stoppedByUser(state),
      restartCount: state.restartCount,
      ranMs: elapsedMs(state.startedAt, state.finishedAt),
      previousDelayMs: extra.delayMs,
    });
    if (!decision.restart) {
      removeRestartRecord(ctx.root.path, id);
      await updateState(ctx.root, id, (s) => ({ ...s, extra: { ...s.extra, restart: { ...restartExtra(s), decided: state.finishedAt } } }));
      return undefined;
    }
    const rec: RestartRecord = {
      id, exitedAt: state.finishedAt, exitCode: state.exitCode, attempt: state.restartCount + 1,
      dueAt: new Date(Date.now() + decision.delayMs).toISOString(),
    };
    writeRestartRecord(ctx.root.path, rec);
    // As Docker's SetRestarting: counted now, shown as running and restarting during the backoff.
    await updateState(ctx.root, id, (s) => ({
      ...s, status: 'restarting', running: true, restarting: true, paused: false, pid: 0, restartCount: rec.attempt,
      extra: { ...s.extra, restart: { delayMs: decision.delayMs, decided: state.finishedAt } },
    }));
    return rec;
  });
}

/**
 * conmon waits for every descendant of its exit command before it exits, and
 * an agent started by the exit hook is one (conmon is a subreaper). Once the
 * exit file is written conmon has nothing left to do: end it, rather than
 * wait for it as finalizing the run otherwise would.
 */
function releaseFinishedMonitor(ctx: ContainerContext, id: string): void {
  const ctr = runtimeOf(ctx, id);
  if (!ctr.exitCode()) return;
  const ref = ctr.conmonRef();
  if (!ref || !isAlive(ref)) return;
  try {
    process.kill(ref.pid, 'SIGKILL');
  } catch { /* gone meanwhile */ }
}
