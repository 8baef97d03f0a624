// A thin, stateless interface over the OCI runtime binary (runc or crun).
// Our containers live under their own --root so they never mix with others.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { TscError } from '../../../util/errors.js';
import { findInPath } from '../../../util/find-in-path.js';
import { execFile, ProcessError, type ExecOptions } from '../../../util/exec.js';
import { readJson } from '../../../util/atomic-file.js';
import { isAlive } from '../state/process-ref.js';
import { cgroupsPathFor, isFrozen } from './cgroups.js';

export type RuntimeName = 'runc' | 'crun';

export type RuntimeStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export interface RuntimeState {
  id: string;
  pid: number;
  status: RuntimeStatus;
  bundle: string;
  rootfs?: string;
  created?: string;
}

export interface ExecStreams {
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

export interface RuntimeExecOptions {
  /** Path of a process.json (OCI process object). */
  processFile: string;
  tty?: boolean;
  streams?: ExecStreams;
}

export interface OciRuntime {
  readonly name: RuntimeName;
  /** Absolute path of the binary (conmon needs it). */
  readonly path: string;
  readonly root: string;
  start(id: string): Promise<void>;
  state(id: string): Promise<RuntimeState | undefined>;
  list(): Promise<RuntimeState[]>;
  kill(id: string, signal: string, opts?: { all?: boolean }): Promise<void>;
  delete(id: string, opts?: { force?: boolean }): Promise<void>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  ps(id: string): Promise<number[]>;
  /** Runs a process in the container in the foreground; resolves with its exit code. */
  exec(id: string, opts: RuntimeExecOptions): Promise<number>;
  /** The global arguments (`--root ...`) conmon passes to the runtime. */
  globalArgs(): string[];
}

/** The runtime under `<stateRoot>/runtime/<name>`, or one whose every call fails saying how to install it. */
export function openRuntime(stateRoot: string, name: RuntimeName = 'runc'): OciRuntime {
  const root = join(stateRoot, 'runtime', name);
  const path = findInPath(name);
  return path ? new CliRuntime(name, path, root) : missingRuntime(name, root);
}

export function missingRuntime(name: RuntimeName, root: string): OciRuntime {
  const fail = async (): Promise<never> => {
    throw new TscError('RUNTIME_NOT_FOUND', `${name} not found in PATH: \`apt-get install ${name}\`, or use \`--engine docker\``);
  };
  return {
    name, path: '', root,
    start: fail, state: fail, list: fail, kill: fail, delete: fail, pause: fail, resume: fail, ps: fail, exec: fail,
    globalArgs: () => ['--root', root],
  };
}

const NOT_FOUND = /does not exist|not found|No such file|container .* not exist/i;

class CliRuntime implements OciRuntime {
  constructor(readonly name: RuntimeName, readonly path: string, readonly root: string) {}

  globalArgs(): string[] {
    return ['--root', this.root];
  }

  private run(args: string[], opts: ExecOptions = {}) {
    return execFile([this.path, ...this.globalArgs(), ...args], opts);
  }

  async start(id: string): Promise<void> {
    await this.run(['start', id]);
  }

  /**
   * runc and crun keep each container's state in `<root>/<id>/` from create to
   * delete: without it the runtime knows no such container, and asking it
   * (a process start, ~10-20 ms) is saved.
   */
  private knows(id: string): boolean {
    return existsSync(join(this.root, id));
  }

  async state(id: string): Promise<RuntimeState | undefined> {
    if (!this.knows(id)) return undefined;
    try {
      const { stdout } = await this.run(['state', id]);
      return JSON.parse(stdout) as RuntimeState;
    } catch (error) {
      if (error instanceof ProcessError && NOT_FOUND.test(error.stderr)) return undefined;
      throw error;
    }
  }

  async list(): Promise<RuntimeState[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        const { stdout } = await this.run(['list', '--format', 'json']);
        return (JSON.parse(stdout.trim() || 'null') as RuntimeState[] | null) ?? [];
      } catch (error) {
        // Another command deleted a container while runc listed the state directory: list again.
        if (attempt >= 4 || !(error instanceof ProcessError && /no such file or directory/.test(error.stderr))) throw error;
      }
    }
  }

  async kill(id: string, signal: string, opts: { all?: boolean } = {}): Promise<void> {
    if (!opts.all && this.signalInit(id, signal)) return;
    await this.run(['kill', ...(opts.all ? ['--all'] : []), id, signal.replace(/^SIG/, '')]);
  }

  /**
   * `runc kill` without --all, without starting runc (~20 ms each on a loaded
   * host, and a down signals every container): the init's pid and start time
   * from runc's state.json, checked against /proc as runc does so that a
   * reused pid is never signalled. False when anything is unexpected: then
   * runc itself is asked, and says what is wrong.
   */
  private signalInit(id: string, signal: string): boolean {
    if (this.name !== 'runc') return false;
    const sig = signalOf(signal);
    // runc thaws a paused container after its SIGKILL: left to runc.
    if (sig === undefined || ((sig === 'SIGKILL' || sig === osConstants.signals.SIGKILL) && isFrozen(cgroupsPathFor(id)))) return false;
    let state: { init_process_pid?: unknown; init_process_start?: unknown } | undefined;
    try {
      state = readJson(join(this.root, id, 'state.json'));
    } catch {
      return false;
    }
    const pid = state?.init_process_pid;
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return false;
    // A zombie init is a stopped container to runc: it says so.
    if (typeof state?.init_process_start !== 'number' || !isAlive({ pid, startTicks: state.init_process_start })) return false;
    try {
      process.kill(pid, sig);
      return true;
    } catch {
      return false;
    }
  }

  async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    if (!this.knows(id)) return;
    try {
      await this.run(['delete', ...(opts.force ? ['--force'] : []), id]);
    } catch (error) {
      if (error instanceof ProcessError && NOT_FOUND.test(error.stderr)) return;
      throw error;
    }
  }

  async pause(id: string): Promise<void> {
    await this.run(['pause', id]);
  }

  async resume(id: string): Promise<void> {
    await this.run(['resume', id]);
  }

  async ps(id: string): Promise<number[]> {
    const { stdout } = await this.run(['ps', '--format', 'json', id]);
    return (JSON.parse(stdout.trim() || '[]') as number[] | null) ?? [];
  }

  exec(id: string, opts: RuntimeExecOptions): Promise<number> {
    const argv = [this.path, ...this.globalArgs(), 'exec', '--process', opts.processFile, ...(opts.tty ? ['--tty'] : []), id];
    return runForeground(argv, opts.streams);
  }
}

/** `KILL`, `SIGKILL` or `9` as process.kill takes it; undefined for what this host does not know. */
export function signalOf(signal: string): NodeJS.Signals | number | undefined {
  const s = signal.trim().toUpperCase();
  if (/^\d+$/.test(s)) return Number(s) > 0 && Object.values(osConstants.signals).includes(Number(s)) ? Number(s) : undefined;
  const name = `SIG${s.replace(/^SIG/, '')}`;
  return name in osConstants.signals ? (name as NodeJS.Signals) : undefined;
}

/** Runs with the given streams; the exit code is the result (128+n for a signal), not a failure. */
function runForeground(argv: string[], streams: ExecStreams = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: [streams.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    if (streams.stdin) streams.stdin.pipe(child.stdin!);
    const forward = (from: NodeJS.ReadableStream, to?: NodeJS.WritableStream) => (to ? from.on('data', (d: Buffer) => to.write(d)) : from.resume());
    forward(child.stdout!, streams.stdout);
    forward(child.stderr!, streams.stderr);
    child.on('error', (e) => reject(new ProcessError(argv, null, null, '', e.message)));
    // Background processes of the exec may keep its stdout open: end with the
    // process, after a short drain, instead of waiting for the pipes to close.
    child.on('exit', (code, signal) => {
      const done = () => {
        if (streams.stdin) streams.stdin.unpipe(child.stdin!);
        child.stdout!.destroy();
        child.stderr!.destroy();
        resolve(signal ? 128 + (osConstants.signals[signal] ?? 0) : code ?? 1);
      };
      let open = 2;
      const timer = setTimeout(done, 200);
      const ended = () => {
        if (--open === 0) {
          clearTimeout(timer);
          done();
        }
      };
      if (child.stdout!.readableEnded) ended(); else child.stdout!.once('end', ended);
      if (child.stderr!.readableEnded) ended(); else child.stderr!.once('end', ended);
    });
  });
}
