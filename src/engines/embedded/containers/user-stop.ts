// What the user's own stop/kill means for restart policies: a container the
// user ends is not restarted (Docker's HasBeenManuallyStopped and its
// restart manager's Cancel), and a restart pending in its backoff is called off.
import { constants } from 'node:os';
import { readRecord, updateState } from '../state/containers.js';
import { withContainerLock, type ContainerContext } from './context.js';
import { removeRestartRecord } from '../restart/records.js';

/** SIGKILL, or the container's stop signal: the signals after which Docker's kill cancels the restart policy. */
export function endsContainer(signal: string, stopSignal: string | undefined): boolean {
  const norm = (s: string) => {
    const up = s.trim().toUpperCase().replace(/^SIG/, '');
    const byNumber = /^\d+$/.test(up) ? Object.entries(constants.signals).find(([, n]) => n === Number(up))?.[0] : undefined;
    return (byNumber ?? up).replace(/^SIG/, '');
  };
  const sig = norm(signal);
  return sig === 'KILL' || sig === norm(stopSignal ?? 'SIGTERM');
}

/** Marks the container stopped by the user (before its signal, which the agent may otherwise see first). */
export async function markStoppedByUser(ctx: ContainerContext, id: string): Promise<void> {
  await updateState(ctx.root, id, (s) => ({ ...s, extra: { ...s.extra, stoppedByUser: true } }));
}

/** Calls off a restart in its backoff: the container becomes "exited" with its last exit code. False when it was not restarting. */
export async function cancelRestart(ctx: ContainerContext, id: string): Promise<boolean> {
  return withContainerLock(ctx, id, 'cancel restart', async () => {
    const record = readRecord(ctx.root, id);
    if (record?.state.status !== 'restarting') return false;
    await updateState(ctx.root, id, (s) => ({ ...s, status: 'exited', running: false, restarting: false, pid: 0, extra: { ...s.extra, stoppedByUser: true } }));
    removeRestartRecord(ctx.root.path, id);
    return true;
  });
}
