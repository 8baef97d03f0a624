// The long-lived agent of one state root: a set of services (DNS now;
// healthchecks and restart backoff later) started in order, stopped in
// reverse, plus the control socket. It keeps nothing that the state root
// does not have, so it can be killed at any time and started again.
import type { Server } from 'node:net';
import { rmSync } from 'node:fs';
import { acquireLock } from '../state/lock.js';
import { startControlServer, type ControlReply, type ControlRequest } from './control.js';
import { agentPaths, makeAgentDir, type AgentPaths } from './paths.js';
import { liveAgent, removeOwnPid, writeOwnPid } from './pidfile.js';

export interface AgentService {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Rebuilds from the state root now (the `reload` command). */
  reload?(): Promise<void>;
  /** The `reload` command answers only once this service's reload is done (else it is only started). */
  readonly reloadAwaited?: boolean;
  /** What `status` reports for this service. */
  status?(): unknown;
}

export type AgentLog = (message: string) => void;

export interface AgentOptions {
  root: string;
  services: AgentService[];
  log: AgentLog;
}

export type AgentStartResult = { started: true } | { started: false; otherPid: number };

export class Agent {
  readonly paths: AgentPaths;
  private control: Server | undefined;
  private running: AgentService[] = [];

  constructor(private readonly opts: AgentOptions) {
    this.paths = agentPaths(opts.root);
  }

  /** Takes the pidfile (unless another agent is alive), starts the services, then answers on the socket. */
  async start(): Promise<AgentStartResult> {
    makeAgentDir(this.paths);
    // Not under agent.lock: the command that started this agent holds it while it waits for the answer.
    const claim = await acquireLock(this.paths.claim, { command: 'agent start' }, { timeoutMs: 30_000 });
    try {
      const other = liveAgent(this.paths.pidFile);
      if (other && other.pid !== process.pid) return { started: false, otherPid: other.pid };
      writeOwnPid(this.paths.pidFile);
    } finally {
      await claim.release();
    }
    try {
      for (const service of this.opts.services) {
        await service.start();
        this.running.push(service);
        this.opts.log(`service ${service.name} started`);
      }
      // Last: an answer to ping means ready.
      this.control = await startControlServer(this.paths.socket, (req) => this.handle(req));
    } catch (error) {
      await this.stop();
      throw error;
    }
    return { started: true };
  }

  async stop(): Promise<void> {
    if (this.control) {
      await new Promise<void>((resolve) => this.control!.close(() => resolve()));
      this.control = undefined;
      rmSync(this.paths.socket, { force: true });
    }
    for (const service of this.running.reverse()) {
      try {
        await service.stop();
      } catch (error) {
        this.opts.log(`service ${service.name}: stop failed: ${(error as Error).message}`);
      }
    }
    this.running = [];
    removeOwnPid(this.paths.pidFile);
  }

  private async handle(req: ControlRequest): Promise<ControlReply> {
    switch (req.cmd) {
      case 'ping':
        return { ok: true, pid: process.pid };
      case 'reload': {
        // Only what a starting container needs (its DNS names) is waited for; healthchecks and
        // restarts rescan on their own, and waiting for them put every service's scan of every
        // record on each container's start (an `up` of 100 services timed out).
        const awaited: Array<Promise<void>> = [];
        for (const s of this.running) {
          const done = s.reload?.().catch((error: Error) => this.opts.log(`service ${s.name}: reload failed: ${error.message}`));
          if (done && s.reloadAwaited) awaited.push(done);
        }
        await Promise.all(awaited);
        return { ok: true, pid: process.pid };
      }
      case 'status':
        return { ok: true, pid: process.pid, services: Object.fromEntries(this.running.map((s) => [s.name, s.status?.() ?? {}])) };
      default:
        return { ok: false, error: `unknown command "${req.cmd}" (known: ping, reload, status)` };
    }
  }
}
