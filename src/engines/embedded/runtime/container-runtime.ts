// One container's life in the runtime: bundle → conmon → runc, and its state
// read back from runc and conmon's exit file. Holds no state in memory: a new
// object for the same id (in another process) sees the same container.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecSpec } from '../../../engine/types.js';
import { TscError } from '../../../util/errors.js';
import { readJson, writeJsonAtomic } from '../../../util/atomic-file.js';
import { isAlive, readStartTicks, currentBootId, type ProcessRef } from '../state/process-ref.js';
import { cgroupsPathFor, removeCgroups } from './cgroups.js';
import { buildConmonArgs, findConmon, launchConmon } from './conmon.js';
import { moveToConmonCgroup } from './conmon-cgroup.js';
import { buildExecProcess } from './exec-process.js';
import type { OciSpec } from './oci-types.js';
import { pollUntil } from './poll.js';
import { openRuntime, type ExecStreams, type OciRuntime, type RuntimeName } from './runc.js';

export interface ContainerRuntimeOptions {
  stateRoot: string;
  id: string;
  name?: string;
  runtime?: RuntimeName;
  /** Run by conmon when the container exits (absolute program, then arguments). */
  exitCommand?: string[];
  logSizeMax?: number;
  /** `logging.driver: none`: conmon writes the output nowhere. */
  noLog?: boolean;
}

export type RuntimeContainerStatus = 'unknown' | 'created' | 'running' | 'paused' | 'exited';

export interface ContainerRuntimeState {
  status: RuntimeContainerStatus;
  pid: number;
  /** From conmon's exit file; undefined while not exited or when conmon died without writing it. */
  exitCode?: number;
  finishedAt?: string;
  conmonAlive: boolean;
}

export interface RuntimePaths {
  dir: string;
  logPath: string;
  exitFile: string;
  pidFile: string;
  conmonPidFile: string;
  conmonRecord: string;
  exitDir: string;
  socketDir: string;
}

export function runtimePaths(stateRoot: string, id: string): RuntimePaths {
  const base = join(stateRoot, 'runtime');
  const dir = join(base, 'containers', id);
  return {
    dir,
    logPath: join(dir, 'ctr.log'),
    exitDir: join(base, 'exits'),
    exitFile: join(base, 'exits', id),
    pidFile: join(dir, 'pidfile'),
    conmonPidFile: join(dir, 'conmon.pid'),
    conmonRecord: join(dir, 'conmon.json'),
    socketDir: join(base, 'sockets'),
  };
}

/** Directories of detached TTY execs (removed once their conmon is gone: runtime/cleanup.ts). */
export const TTY_EXEC_PREFIX = 'exec-tty-';

export class ContainerRuntime {
  readonly id: string;
  readonly paths: RuntimePaths;
  readonly cgroupsPath: string;
  private oci: OciRuntime | undefined;

  constructor(private readonly opts: ContainerRuntimeOptions) {
    this.id = opts.id;
    this.paths = runtimePaths(opts.stateRoot, opts.id);
    this.cgroupsPath = cgroupsPathFor(opts.id);
  }

  /**
   * Found in PATH on first use: most uses (the agent's rescans of every container, `ps`) only read
   * the run's files, and the PATH search cost the agent most of its CPU time at 300 containers.
   */
  get runtime(): OciRuntime {
    return (this.oci ??= openRuntime(this.opts.stateRoot, this.opts.runtime ?? 'runc'));
  }

  /**
   * Writes `config.json` into the bundle and has conmon create the container; resolves with its pid.
   * `stdin`: conmon keeps a pipe to the container's input, fed through its attach socket
   * (with a TTY the pty takes input anyway); `leaveStdinOpen`: an attached client's end does not close it.
   */
  async create(bundleDir: string, spec: OciSpec, io: { stdin?: boolean; leaveStdinOpen?: boolean } = {}): Promise<number> {
    if (!this.runtime.path) await this.runtime.state(this.id); // throws "runc not found"
    const conmon = findConmon();
    const p = this.paths;
    for (const d of [p.dir, p.exitDir, p.socketDir, this.runtime.root, bundleDir]) mkdirSync(d, { recursive: true, mode: 0o700 });
    rmSync(p.exitFile, { force: true });
    rmSync(p.pidFile, { force: true });
    writeJsonAtomic(join(bundleDir, 'config.json'), spec);
    const args = buildConmonArgs({
      id: this.id, name: this.opts.name ?? this.id, runtimePath: this.runtime.path, runtimeArgs: this.runtime.globalArgs(),
      bundleDir, pidFile: p.pidFile, conmonPidFile: p.conmonPidFile, exitDir: p.exitDir, logPath: this.opts.noLog ? '/dev/null' : p.logPath,
      socketDir: p.socketDir, tty: spec.process.terminal, stdin: io.stdin && !spec.process.terminal, leaveStdinOpen: io.leaveStdinOpen, exitCommand: this.opts.exitCommand, logSizeMax: this.opts.logSizeMax,
    });
    // Where the move fails (no writable cgroupfs), conmon stays in our cgroups, as before; `system doctor` says so.
    const pid = await launchConmon(conmon, args, { beforeStart: (conmonPid) => void moveToConmonCgroup(conmonPid) });
    const conmonPid = Number(readFileSync(p.conmonPidFile, 'utf8').trim());
    const ref: ProcessRef = { pid: conmonPid, startTicks: readStartTicks(conmonPid), bootId: currentBootId() };
    writeJsonAtomic(p.conmonRecord, ref);
    return pid;
  }

  /**
   * A detached exec with a TTY (`exec -d`, as Docker allows): runc needs someone
   * to hold the pty, so conmon runs it in exec mode, in a directory of its own
   * (its attach socket and control FIFO beside the container's would clash).
   * Resolves once the process runs; nobody reads its output, as Docker.
   */
  async execDetachedTty(processSpec: OciSpec['process']): Promise<void> {
    const conmon = findConmon();
    const sessionId = `${TTY_EXEC_PREFIX}${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const dir = join(this.paths.dir, sessionId);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const processFile = join(dir, 'process.json');
    writeJsonAtomic(processFile, processSpec);
    const args = buildConmonArgs({
      id: this.id, name: this.opts.name ?? this.id, runtimePath: this.runtime.path, runtimeArgs: this.runtime.globalArgs(),
      bundleDir: dir, pidFile: join(dir, 'pid'), conmonPidFile: join(dir, 'conmon.pid'), exitDir: dir, logPath: '/dev/null',
      socketDir: dir, tty: true, exec: { sessionId, processSpec: processFile },
    });
    await launchConmon(conmon, args);
  }

  async start(): Promise<void> {
    await this.runtime.start(this.id);
  }

  conmonRef(): ProcessRef | undefined {
    return readJson<ProcessRef>(this.paths.conmonRecord);
  }

  /** The container's first process (pid and start time) while the runtime says it runs or is paused. */
  async initRef(): Promise<ProcessRef | undefined> {
    const rs = await this.runtime.state(this.id).catch(() => undefined);
    if (!rs || (rs.status !== 'running' && rs.status !== 'paused') || !(rs.pid > 0)) return undefined;
    return { pid: rs.pid, startTicks: readStartTicks(rs.pid), bootId: currentBootId() };
  }

  exitCode(): { code: number; finishedAt: string } | undefined {
    try {
      const text = readFileSync(this.paths.exitFile, 'utf8').trim();
      return { code: Number(text), finishedAt: statSync(this.paths.exitFile).mtime.toISOString() };
    } catch {
      return undefined;
    }
  }

  async state(): Promise<ContainerRuntimeState> {
    const ref = this.conmonRef();
    const conmonAlive = ref ? isAlive(ref) : false;
    const exit = this.exitCode();
    if (exit) return { status: 'exited', pid: 0, exitCode: exit.code, finishedAt: exit.finishedAt, conmonAlive };
    const rs = await this.runtime.state(this.id);
    if (!rs) return { status: ref ? 'exited' : 'unknown', pid: 0, conmonAlive };
    switch (rs.status) {
      case 'creating':
      case 'created':
        return { status: 'created', pid: rs.pid, conmonAlive };
      case 'running':
        return { status: 'running', pid: rs.pid, conmonAlive };
      case 'paused':
        return { status: 'paused', pid: rs.pid, conmonAlive };
      default:
        return { status: 'exited', pid: 0, conmonAlive };
    }
  }

  async kill(signal = 'SIGKILL'): Promise<void> {
    const s = await this.state();
    if (s.status !== 'running' && s.status !== 'paused' && s.status !== 'created') {
      throw new TscError('CONTAINER_NOT_RUNNING', `container ${this.opts.name ?? this.id} is not running`);
    }
    await this.runtime.kill(this.id, signal);
  }

  /** Resolves with the exit code once conmon has written it, or undefined at the deadline. */
  async wait(timeoutMs = Infinity, signal?: AbortSignal): Promise<number | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // Short polls first: a killed container's exit file comes within milliseconds.
      await pollUntil(() => this.exitCode() !== undefined || !this.conmonAliveOrUnknown(), Math.max(0, deadline - Date.now()), signal);
      const exit = this.exitCode();
      if (exit) return exit.code;
      if (Date.now() >= deadline || signal?.aborted) return undefined;
      // conmon is gone without an exit file: nothing will ever write it, and
      // the exit status is lost with it. Watch the container's first process
      // instead (a /proc read, not a `runc state` per poll).
      const init = await this.initRef();
      if (!init) return undefined;
      await pollUntil(() => !isAlive(init), Math.max(0, deadline - Date.now()), signal);
      if (isAlive(init)) return undefined; // the deadline
    }
  }

  private conmonAliveOrUnknown(): boolean {
    const ref = this.conmonRef();
    return !ref || isAlive(ref);
  }

  /** Docker's stop: the stop signal, up to `timeoutSeconds` for the exit, then SIGKILL. */
  /**
   * `known`: what the caller's record says of a container whose conmon is alive,
   * to spare a `runc state` (the exit file still decides if it has exited).
   */
  async stop(timeoutSeconds = 10, signal = 'SIGTERM', known?: { paused: boolean }): Promise<number | undefined> {
    const ref = known && this.exitCode() === undefined ? this.conmonRef() : undefined;
    const s: { status: RuntimeContainerStatus; exitCode?: number } = ref && isAlive(ref) ? { status: known!.paused ? 'paused' : 'running' } : await this.state();
    if (s.status === 'exited' || s.status === 'unknown') return s.exitCode;
    if (s.status === 'paused') await this.runtime.resume(this.id).catch(() => undefined);
    if (timeoutSeconds !== 0) {
      await this.runtime.kill(this.id, signal).catch(() => undefined);
      const code = await this.wait(timeoutSeconds < 0 ? Infinity : timeoutSeconds * 1000);
      if (code !== undefined) return code;
    }
    await this.runtime.kill(this.id, 'SIGKILL').catch(() => undefined);
    return this.wait(10_000);
  }

  /**
   * Removes the runtime's container, conmon, the cgroups and our files (the
   * log too: Docker removes it with the container). `force` kills a running one.
   */
  async delete(opts: { force?: boolean } = {}): Promise<void> {
    const s = await this.state();
    if ((s.status === 'running' || s.status === 'paused') && !opts.force) {
      throw new TscError('CONTAINER_RUNNING', `container ${this.opts.name ?? this.id} is running: stop it first, or remove it with force`);
    }
    if (s.status === 'running' || s.status === 'paused' || s.status === 'created') {
      await this.runtime.kill(this.id, 'SIGKILL').catch(() => undefined);
      await this.wait(5000);
    }
    await this.runtime.delete(this.id, { force: true });
    await this.reapConmon();
    const busy = removeCgroups(this.cgroupsPath);
    // Off the main thread: a down removes many at once. A conmon still dying may write its
    // last file into the folder meanwhile (ENOTEMPTY): node then starts the removal over.
    await rm(this.paths.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    rmSync(this.paths.exitFile, { force: true });
    if (busy.length) throw new TscError('CGROUP_BUSY', `cgroups of ${this.id} still have processes and were left: ${busy.join(', ')}`);
  }

  /** Waits briefly for conmon to finish after its container, then kills it. */
  private async reapConmon(): Promise<void> {
    const ref = this.conmonRef();
    if (!ref) return;
    if (!(await pollUntil(() => !isAlive(ref), 5_000))) {
      try {
        process.kill(ref.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }

  async pause(): Promise<void> {
    await this.runtime.pause(this.id);
  }

  async resume(): Promise<void> {
    await this.runtime.resume(this.id);
  }

  async ps(): Promise<number[]> {
    return this.runtime.ps(this.id);
  }

  /** Runs a command in the running container and resolves with its exit code. */
  async exec(bundleDir: string, spec: ExecSpec, streams: ExecStreams = {}): Promise<number> {
    const s = await this.state();
    if (s.status !== 'running') throw new TscError('CONTAINER_NOT_RUNNING', `container ${this.opts.name ?? this.id} is not running`);
    const config = readJson<OciSpec>(join(bundleDir, 'config.json'));
    if (!config) throw new TscError('BUNDLE_MISSING', `no config.json in ${bundleDir}`);
    const processFile = join(this.paths.dir, `exec-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
    writeJsonAtomic(processFile, buildExecProcess(config, spec));
    try {
      return await this.runtime.exec(this.id, { processFile, tty: spec.tty, streams });
    } finally {
      try {
        unlinkSync(processFile);
      } catch {
        // already gone
      }
    }
  }

  hasLog(): boolean {
    return existsSync(this.paths.logPath);
  }
}
