// The agent's restart service: decides on the exits of containers with a
// restart policy and does the restarts when their backoff is over. It keeps
// nothing in memory that is not also on disk (container state and
// restarts/<id>.json), so a new agent picks up where a killed one stopped.
// It learns of exits from the exit hook (a `reload`), and a periodic scan
// catches what a missed hook would lose.
import type { ContainerContext } from '../containers/context.js';
import { hasRestartPolicy } from '../restart/policy.js';
import { openStateRoot } from '../state/root.js';
import { ConcernedRecords } from './concerned-records.js';
import { listRestartRecords, removeRestartRecord, type RestartRecord } from '../restart/records.js';
import type { AgentLog, AgentService } from './agent.js';

export interface RestartServiceOptions {
  root: string;
  log: AgentLog;
  /** Default 2000. */
  rescanMs?: number;
  ctx?: ContainerContext;
}

/** The restart code and the container context, loaded on first need (restart-work.ts). */
interface RestartWork {
  code: typeof import('./restart-work.js');
  ctx: ContainerContext;
}

export class RestartService implements AgentService {
  readonly name = 'restart';
  private work: RestartWork | undefined;
  private records!: ConcernedRecords;
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; exitedAt: string; dueAt: string }>();
  private interval: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  private counts = { restarted: 0, decided: 0 };

  constructor(private readonly opts: RestartServiceOptions) {}

  /** Returns at once: the first scan may wait for container locks, and `ping` must not. */
  async start(): Promise<void> {
    this.stopped = false;
    this.records = new ConcernedRecords(this.opts.ctx?.root ?? openStateRoot(this.opts.root), (config) => hasRestartPolicy(config.spec.restartPolicy));
    void this.scan();
    this.interval = setInterval(() => void this.scan(), this.opts.rescanMs ?? 2000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.interval);
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    await this.scanning;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Not awaited by the caller's reply: the exit hook must not wait for container locks. */
  async reload(): Promise<void> {
    void this.scan();
  }

  status(): unknown {
    return { pending: [...this.timers.entries()].map(([id, t]) => ({ id, dueAt: t.dueAt })), ...this.counts };
  }

  /** One scan at a time; a request during one runs once more after it. */
  scan(): Promise<void> {
    if (this.scanning) {
      this.again = true;
      return this.scanning;
    }
    this.scanning = (async () => {
      try {
        do {
          this.again = false;
          await this.scanOnce();
        } while (this.again && !this.stopped);
      } catch (error) {
        this.opts.log(`restart: scan failed: ${(error as Error).message}`);
      } finally {
        this.scanning = undefined;
      }
    })();
    return this.scanning;
  }

  private async scanOnce(): Promise<void> {
    // Only containers with a restart policy: the others have no restart records either.
    const records = this.records.list();
    const ids = new Set(records.map((r) => r.config.id));
    for (const record of records) {
      if (this.stopped) return;
      const { code, ctx } = await this.loadWork();
      if (!code.exitPending(ctx, record)) continue;
      try {
        const rec = await code.decideOnExit(ctx, record.config.id);
        this.counts.decided++;
        if (rec) {
          this.opts.log(`restart: ${record.config.name} exited (${rec.exitCode}): restart ${rec.attempt} due at ${rec.dueAt}`);
          this.schedule(rec);
        }
      } catch (error) {
        this.opts.log(`restart: ${record.config.name}: ${(error as Error).message}`);
      }
    }
    const root = this.records.root.path;
    for (const rec of listRestartRecords(root)) {
      if (!ids.has(rec.id)) removeRestartRecord(root, rec.id);
      else this.schedule(rec);
    }
  }

  private schedule(rec: RestartRecord): void {
    if (this.stopped) return;
    const current = this.timers.get(rec.id);
    if (current && current.exitedAt === rec.exitedAt) return;
    if (current) clearTimeout(current.timer);
    const delay = Math.max(0, Date.parse(rec.dueAt) - Date.now());
    const timer = setTimeout(() => this.fire(rec), delay);
    this.timers.set(rec.id, { timer, exitedAt: rec.exitedAt, dueAt: rec.dueAt });
  }

  private fire(rec: RestartRecord): void {
    const work = this.loadWork().then(({ code, ctx }) => code.performRestart(ctx, rec)).then((outcome) => {
      if (outcome === 'restarted') this.counts.restarted++;
      this.opts.log(`restart: ${rec.id.slice(0, 12)} restart ${rec.attempt}: ${outcome}`);
    }, (error: Error) => this.opts.log(`restart: ${rec.id.slice(0, 12)}: ${error.message}`)).finally(() => {
      if (this.timers.get(rec.id)?.exitedAt === rec.exitedAt) this.timers.delete(rec.id);
      this.inFlight.delete(work);
    });
    this.inFlight.add(work);
  }

  private async loadWork(): Promise<RestartWork> {
    if (!this.work) {
      const code = await import('./restart-work.js');
      this.work ??= { code, ctx: this.opts.ctx ?? code.openContainerContext(this.records.root) };
    }
    return this.work;
  }
}
