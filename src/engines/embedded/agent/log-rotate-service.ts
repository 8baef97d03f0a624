// The agent's log rotation: every scan (2 s by default) it rotates the log of
// each running container whose logging keeps several files (max-file > 1) and
// whose ctr.log has reached max-size (runtime/log-rotate.ts). A file can so
// grow past max-size by what the container writes in one scan period: that is
// the overshoot Docker does not have (it rotates on the write).
import { withContainerLock, type ContainerContext } from '../containers/context.js';
import { containerLayout } from '../containers/layout.js';
import { needsRotation, rotateLog, rotatesLog } from '../runtime/log-rotate.js';
import { runtimePaths } from '../runtime/container-runtime.js';
import { readRecord, type ContainerRecord } from '../state/containers.js';
import { openStateRoot } from '../state/root.js';
import type { AgentLog, AgentService } from './agent.js';
import { ConcernedRecords } from './concerned-records.js';

export interface LogRotateServiceOptions {
  root: string;
  log: AgentLog;
  /** Default 2000. */
  rescanMs?: number;
}

export class LogRotateService implements AgentService {
  readonly name = 'log-rotate';
  private ctx: ContainerContext | undefined;
  private records!: ConcernedRecords;
  private interval: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private rotations = 0;

  constructor(private readonly opts: LogRotateServiceOptions) {}

  async start(): Promise<void> {
    this.records = new ConcernedRecords(openStateRoot(this.opts.root), (config) => rotatesLog(config.spec.log));
    this.interval = setInterval(() => void this.reload(), this.opts.rescanMs ?? 2000);
  }

  async stop(): Promise<void> {
    clearInterval(this.interval);
    await this.scanning;
  }

  reload(): Promise<void> {
    this.scanning ??= this.scan().catch((error: Error) => this.opts.log(`log-rotate: scan failed: ${error.message}`)).finally(() => {
      this.scanning = undefined;
    });
    return this.scanning;
  }

  status(): unknown {
    return { rotations: this.rotations };
  }

  private async scan(): Promise<void> {
    for (const record of this.records.list()) {
      if (!rotates(record) || !needsRotation(runtimePaths(this.records.root.path, record.config.id).logPath, record.config.spec.log!.maxSizeBytes!)) continue;
      await this.rotate(record.config.id);
    }
  }

  /** Under the container's lock: a start launching a new conmon must not lose the reopen. */
  private async rotate(id: string): Promise<void> {
    // The container stores, loaded on the first rotation rather than at start (restart-work.ts says why).
    this.ctx ??= (await import('./open-context.js')).openContainerContext(this.records.root);
    const ctx = this.ctx;
    await withContainerLock(ctx, id, 'log rotation', async () => {
      const record = readRecord(ctx.root, id);
      const paths = runtimePaths(ctx.root.path, id);
      if (!record || !rotates(record) || !needsRotation(paths.logPath, record.config.spec.log!.maxSizeBytes!)) return;
      const told = rotateLog(paths.logPath, containerLayout(record.dir).bundle, record.config.spec.log!.maxFile!);
      this.rotations++;
      if (!told) this.opts.log(`log-rotate: ${record.config.name}: conmon did not take the reopen (container ended?)`);
    });
  }
}

function rotates(record: ContainerRecord): boolean {
  return record.state.status === 'running' && rotatesLog(record.config.spec.log);
}
