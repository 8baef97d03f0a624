// `system boot`: after a host reboot the state root is intact but nothing
// runs (no conmon, no runc state, no mounts). Repairs the state root (the
// engine does on open: runs that ended unobserved become "exited"), then
// starts the containers whose restart policy says so, in creation order (a
// project's dependencies were created first). Idempotent: a running
// container is left alone.
import type { Engine } from '../../engine/types.js';
import { openContainerContext } from './agent/open-context.js';
import { createEmbeddedEngine, repairStateRoot } from './engine.js';
import { withContainerLock, type ContainerContext } from './containers/context.js';
import { isActive } from './containers/sync.js';
import { NEVER, listRecords, readRecord, updateState, type ContainerRecord } from './state/containers.js';
import type { RuntimeName } from './runtime/runc.js';
import { startsAtBoot } from './restart/policy.js';
import { removeRestartRecord } from './restart/records.js';
import { stoppedByUser } from './restart/restart-state.js';

export interface BootOptions {
  root: string;
  runtime?: RuntimeName;
  /** Told about each container as it is handled. */
  onContainer?: (name: string, outcome: 'started' | 'failed', error?: Error) => void;
}

export interface BootResult {
  started: string[];
  failed: Array<{ name: string; error: string }>;
  /** Containers left as they are: running already, or their policy does not start them. */
  left: string[];
}

export async function bootStateRoot(opts: BootOptions): Promise<BootResult> {
  const engine = await createEmbeddedEngine({ root: opts.root, runtime: opts.runtime });
  try {
    const ctx = openContainerContext(opts.root, opts.runtime);
    // Again, even when this process has opened the engine before: boot must see the state as it is now.
    await repairStateRoot(ctx);
    return await bootContainers(engine, ctx, opts.onContainer);
  } finally {
    await engine.close();
  }
}

export async function bootContainers(engine: Engine, ctx: ContainerContext, onContainer?: BootOptions['onContainer']): Promise<BootResult> {
  const result: BootResult = { started: [], failed: [], left: [] };
  for (const found of listRecords(ctx.root)) {
    const name = found.config.name;
    const record = await settleRestarting(ctx, found);
    if (!record || !wantsStart(record)) {
      result.left.push(name);
      continue;
    }
    try {
      await engine.containers.start(record.config.id);
      result.started.push(name);
      onContainer?.(name, 'started');
    } catch (error) {
      result.failed.push({ name, error: (error as Error).message });
      onContainer?.(name, 'failed', error as Error);
    }
  }
  return result;
}

function wantsStart(record: ContainerRecord): boolean {
  const { state } = record;
  if (isActive(record) || state.status !== 'exited') return false;
  return startsAtBoot(record.config.spec.restartPolicy, { exitCode: state.exitCode, stoppedByUser: stoppedByUser(state), neverStarted: state.startedAt === NEVER });
}

/** A restart that was waiting for its backoff when the host went down is done now, by a plain start. */
async function settleRestarting(ctx: ContainerContext, record: ContainerRecord): Promise<ContainerRecord | undefined> {
  if (record.state.status !== 'restarting') return record;
  return withContainerLock(ctx, record.config.id, 'boot', async () => {
    const current = readRecord(ctx.root, record.config.id);
    if (current?.state.status !== 'restarting') return current;
    removeRestartRecord(ctx.root.path, record.config.id);
    await updateState(ctx.root, record.config.id, (s) => ({ ...s, status: 'exited', running: false, restarting: false, pid: 0 }));
    return readRecord(ctx.root, record.config.id);
  });
}
