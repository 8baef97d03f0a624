// The agent's healthcheck service: one probe schedule per running (not
// paused) container that has a healthcheck, rebuilt from the state root on
// every rescan, so containers are picked up as they start and dropped as they
// stop, and a restarted agent carries on (its schedules start again).
import { existsSync } from 'node:fs';
import { containerLayout } from '../containers/layout.js';
import { configHealthcheck, recordHealthcheck } from '../health/config.js';
import { HealthMonitor } from '../health/monitor.js';
import { runProbe } from '../health/probe.js';
import { recordProbeResult, startingHealth, type Health } from '../health/record.js';
import { runtimePaths } from '../runtime/container-runtime.js';
import { updateState, type ContainerRecord } from '../state/containers.js';
import { openStateRoot, type StateRoot } from '../state/root.js';
import type { AgentLog, AgentService } from './agent.js';
import { ConcernedRecords } from './concerned-records.js';

export interface HealthServiceOptions {
  root: string;
  log: AgentLog;
  /** How often the state root is read again (default 1 s). */
  rescanMs?: number;
}

interface Watched {
  /** The run it probes: `<id>@<startedAt>`. */
  run: string;
  name: string;
  monitor: HealthMonitor;
  health?: Health;
}

export class HealthService implements AgentService {
  readonly name = 'health';
  private root: StateRoot | undefined;
  private records: ConcernedRecords | undefined;
  private readonly watched = new Map<string, Watched>();
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;

  constructor(private readonly opts: HealthServiceOptions) {}

  async start(): Promise<void> {
    this.root = openStateRoot(this.opts.root);
    this.records = new ConcernedRecords(this.root, (config) => configHealthcheck(config) !== undefined);
    await this.reload();
    this.timer = setInterval(() => void this.reload(), this.opts.rescanMs ?? 1000);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.scanning;
    await Promise.all([...this.watched.values()].map((w) => w.monitor.stop()));
    this.watched.clear();
  }

  reload(): Promise<void> {
    this.scanning ??= this.scan().catch((error: Error) => this.opts.log(`health: rescan failed: ${error.message}`)).finally(() => {
      this.scanning = undefined;
    });
    return this.scanning;
  }

  status(): unknown {
    return { containers: Object.fromEntries([...this.watched.values()].map((w) => [w.name, w.health?.status ?? 'starting'])) };
  }

  private async scan(): Promise<void> {
    const root = this.root!;
    const want = new Map<string, ContainerRecord>();
    for (const record of this.records!.list()) {
      if (record.state.status !== 'running') continue;
      if (existsSync(runtimePaths(root.path, record.config.id).exitFile)) continue; // ended; whoever looks next records it
      want.set(record.config.id, record);
    }
    for (const [id, w] of this.watched) {
      const record = want.get(id);
      if (record && w.run === runKey(record) && w.monitor.active) continue;
      this.watched.delete(id);
      await w.monitor.stop();
    }
    for (const [id, record] of want) {
      if (!this.watched.has(id)) await this.watch(record);
    }
  }

  private async watch(record: ContainerRecord): Promise<void> {
    const root = this.root!;
    const { id, name } = record.config;
    const check = recordHealthcheck(record)!;
    const { startedAt } = record.state;
    let health = record.state.health;
    if (!health) {
      // Started by something that did not set it: the run is `starting` from now.
      health = startingHealth(undefined);
      await updateState(root, id, (s) => (s.status === 'running' && s.startedAt === startedAt && !s.health ? { ...s, health: startingHealth(undefined) } : s));
    }
    const rules = { startedAt, startPeriodMs: check.startPeriodMs, retries: check.retries };
    const w: Watched = {
      run: runKey(record),
      name,
      health,
      monitor: new HealthMonitor({
        check,
        startedAt,
        status: () => w.health?.status,
        probe: (signal) => runProbe({ stateRoot: root.path, id, bundleDir: containerLayout(record.dir).bundle }, { cmd: check.cmd, timeoutMs: check.timeoutMs, signal }),
        record: async (result) => {
          // A probe that failed because the container ended meanwhile says nothing of its health.
          if (result.exitCode !== 0 && existsSync(runtimePaths(root.path, id).exitFile)) return undefined;
          const next = await recordProbeResult(root, id, result, rules);
          if (next && next.status !== w.health?.status) this.opts.log(`health: ${name} is ${next.status}`);
          if (next) w.health = next;
          return next;
        },
        onError: (error) => this.opts.log(`health: ${name}: ${error.message}`),
      }),
    };
    this.watched.set(id, w);
    w.monitor.start();
  }
}

function runKey(record: ContainerRecord): string {
  return `${record.config.id}@${record.state.startedAt}`;
}
