// Doing a scheduled restart, exactly once: under the container's lock, and
// only while the container is still "restarting" for the same exit (its
// finishedAt) and the user has not stopped it meanwhile. A second agent, or
// the same record read again after a crash, finds the generation changed and
// does nothing.
import { readRecord, updateState } from '../state/containers.js';
import { withContainerLock, type ContainerContext } from '../containers/context.js';
import { startContainer } from '../containers/start.js';
import { readRestartRecord, removeRestartRecord, type RestartRecord } from '../restart/records.js';
import { stoppedByUser } from '../restart/restart-state.js';

export type RestartOutcome = 'restarted' | 'stale' | 'failed';

export async function performRestart(ctx: ContainerContext, expected: RestartRecord): Promise<RestartOutcome> {
  const id = expected.id;
  return withContainerLock(ctx, id, 'restart container', async () => {
    const rec = readRestartRecord(ctx.root.path, id);
    const record = readRecord(ctx.root, id);
    const current = record !== undefined && rec !== undefined && rec.exitedAt === expected.exitedAt
      && record.state.status === 'restarting' && record.state.finishedAt === rec.exitedAt && !stoppedByUser(record.state);
    if (!current) {
      if (rec && rec.exitedAt === expected.exitedAt) removeRestartRecord(ctx.root.path, id);
      return 'stale';
    }
    try {
      await startContainer(ctx, record);
      return 'restarted';
    } catch (error) {
      // As Docker: a restart that cannot start leaves the container stopped, with the error.
      const finishedAt = new Date().toISOString();
      await updateState(ctx.root, id, (s) => ({
        ...s, status: 'exited', running: false, restarting: false, pid: 0, finishedAt, error: (error as Error).message,
        extra: { ...s.extra, restart: { delayMs: 0, decided: finishedAt } },
      }));
      return 'failed';
    } finally {
      removeRestartRecord(ctx.root.path, id);
    }
  });
}
