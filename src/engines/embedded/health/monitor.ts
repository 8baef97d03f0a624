// The probe schedule of one container run (moby's `monitor`): the first probe
// one interval after the monitor starts, then one interval after each probe
// ends; while `starting` inside the start period the start interval is used,
// and a start period ending before the next probe brings that probe forward.
import type { ResolvedHealthcheck } from './config.js';
import type { Health, HealthResult } from './record.js';

export interface HealthMonitorOptions {
  check: ResolvedHealthcheck;
  /** When the run started (ISO 8601). */
  startedAt: string;
  probe: (signal: AbortSignal) => Promise<HealthResult>;
  /** Stores the result; resolves with the new health (undefined: dropped, the run is over). */
  record: (result: HealthResult) => Promise<Health | undefined>;
  /** The current status, to pick the interval. */
  status: () => Health['status'] | undefined;
  onError?: (error: Error) => void;
}

export class HealthMonitor {
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly opts: HealthMonitorOptions) {}

  start(): void {
    this.schedule();
  }

  /** False once stopped, or once a result was dropped because the run is over. */
  get active(): boolean {
    return !this.stopped;
  }

  /** Stops the schedule and kills a probe under way; resolves once it has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort();
    await this.running;
  }

  nextIntervalMs(now = Date.now()): number {
    const { intervalMs, startPeriodMs, startIntervalMs } = this.opts.check;
    const elapsed = now - Date.parse(this.opts.startedAt);
    if (!(elapsed < startPeriodMs)) return intervalMs;
    const remaining = startPeriodMs - elapsed;
    if (remaining < intervalMs) return remaining;
    return this.opts.status() === 'starting' ? startIntervalMs : intervalMs;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, Math.max(0, this.nextIntervalMs()));
  }

  private async tick(): Promise<void> {
    try {
      const result = await this.opts.probe(this.abort.signal);
      if (this.stopped) return;
      const health = await this.opts.record(result);
      if (health === undefined) this.stopped = true;
    } catch (error) {
      this.opts.onError?.(error as Error);
    }
  }
}
