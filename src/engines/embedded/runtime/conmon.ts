// Starting a container under conmon, Podman's per-container monitor. conmon
// double-forks, runs `runtime create`, keeps the container's stdio, writes the
// k8s-file log and, when the container ends, its exit code to <exit-dir>/<id>.
//
// Sync: as Podman does, we hand conmon a sync pipe (_OCI_SYNCPIPE, fd 3) and
// read its one JSON message: `{"data": <pid>}` once the runtime has created
// the container, or `{"data": -1, "message": "<runtime stderr>"}`. A deadline
// guards against a conmon that never answers. conmon waits on a start pipe
// (_OCI_STARTPIPE, fd 4) before it forks: `beforeStart` gets its pid then, to
// move it into its own cgroup (conmon-cgroup.ts) before anything is born.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setIoTimeout } from '../../../util/io-timeout.js';
import { TscError } from '../../../util/errors.js';
import { ProcessError } from '../../../util/exec.js';
import { findInPath } from '../../../util/find-in-path.js';

export interface ConmonArgsOptions {
  id: string;
  name: string;
  runtimePath: string;
  /** Global runtime arguments, e.g. `['--root', dir]`. */
  runtimeArgs: string[];
  bundleDir: string;
  pidFile: string;
  conmonPidFile: string;
  exitDir: string;
  logPath: string;
  socketDir: string;
  logLevel?: 'debug' | 'info' | 'warning' | 'error';
  logSizeMax?: number;
  tty?: boolean;
  stdin?: boolean;
  leaveStdinOpen?: boolean;
  /** Run when the container has exited: absolute program path, then its arguments. */
  exitCommand?: string[];
  /** An exec session (`id` is then the container's, `sessionId` the session's): the process of this spec file. */
  exec?: { sessionId: string; processSpec: string };
}

/** The one place conmon's argv is made (Podman: libpod/oci_conmon_linux.go). */
export function buildConmonArgs(o: ConmonArgsOptions): string[] {
  const args = [
    '--api-version', '1',
    '-c', o.id,
    '-u', o.exec?.sessionId ?? o.id,
    '-r', o.runtimePath,
    '-b', o.bundleDir,
    '-p', o.pidFile,
    '-n', o.name,
    '--exit-dir', o.exitDir,
    '--full-attach',
    '--socket-dir-path', o.socketDir,
    '-l', `k8s-file:${o.logPath}`,
    '--log-level', o.logLevel ?? 'warning',
    '--conmon-pidfile', o.conmonPidFile,
  ];
  if (o.logSizeMax && o.logSizeMax > 0) args.push('--log-size-max', String(o.logSizeMax));
  for (const a of o.runtimeArgs) args.push('--runtime-arg', a);
  if (o.exec) args.push('--exec', '--exec-process-spec', o.exec.processSpec);
  if (o.tty) args.push('-t');
  if (o.stdin) args.push('-i');
  if (o.stdin && o.leaveStdinOpen) args.push('--leave-stdin-open');
  if (o.exitCommand?.length) {
    args.push('--exit-command', o.exitCommand[0]!);
    for (const a of o.exitCommand.slice(1)) args.push('--exit-command-arg', a);
  }
  return args;
}

export function findConmon(): string {
  const path = findInPath('conmon', `${process.env.PATH ?? ''}:/usr/libexec/podman:/usr/local/libexec/podman`);
  if (!path) throw new TscError('CONMON_NOT_FOUND', 'conmon not found in PATH: `apt-get install conmon`, or use `--engine docker`');
  return path;
}

export interface SyncMessage {
  data: number;
  message?: string;
}

/**
 * Launches conmon and resolves with the container's pid once the runtime has
 * created it (the container is then in state `created`; `runtime start` runs it).
 */
export function launchConmon(conmonPath: string, args: string[], opts: { timeoutMs?: number; beforeStart?: (pid: number) => void } = {}): Promise<number> {
  const argv = [conmonPath, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(conmonPath, args, {
      // Every path conmon is given is absolute. Its exit command inherits this cwd: one under the
      // state root vanishes with it, and a node started there from the sources (tsx's module
      // hooks) hung in a futex when its hooks thread could not start without a cwd.
      cwd: '/',
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4' },
    });
    const sync = child.stdio[3] as NodeJS.ReadableStream & { destroy(): void };
    const startPipe = child.stdio[4] as NodeJS.WritableStream & { destroy(): void };
    startPipe.on('error', () => undefined); // conmon failed before reading it: its exit says why
    let stderr = '';
    let received = '';
    let parentExit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let settled = false;
    const finish = (error: Error | undefined, pid?: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sync.destroy();
      startPipe.destroy();
      child.stdout!.destroy();
      child.stderr!.destroy();
      child.unref();
      if (error) reject(error);
      else resolve(pid!);
    };
    // Podman's ContainerCreateTimeout (240 s): a hundred `runc create`s on two loaded cores outlast 30 s.
    const timer = setIoTimeout(() => {
      if (settled) return;
      killDaemon(args);
      finish(new ProcessError(argv, null, null, stderr, `conmon did not report the container created within ${opts.timeoutMs ?? 240_000} ms`));
    }, opts.timeoutMs ?? 240_000);
    // `beforeStart` must not throw: conmon waits for this byte.
    if (child.pid !== undefined) opts.beforeStart?.(child.pid);
    startPipe.end('0');
    child.stdout!.resume();
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => finish(new ProcessError(argv, null, null, '', e.message)));
    child.on('exit', (code, signal) => {
      parentExit = { code, signal };
      if (code !== 0) finish(new ProcessError(argv, code, signal, stderr));
    });
    sync.on('data', (d: Buffer) => {
      received += d.toString();
      const nl = received.indexOf('\n');
      if (nl < 0) return;
      let msg: SyncMessage;
      try {
        msg = JSON.parse(received.slice(0, nl)) as SyncMessage;
      } catch {
        return finish(new ProcessError(argv, null, null, stderr, `conmon sent an unreadable message: ${received.slice(0, nl)}`));
      }
      if (msg.data > 0) finish(undefined, msg.data);
      else finish(new TscError('CONTAINER_CREATE_FAILED', `the OCI runtime could not create the container: ${(msg.message ?? 'no reason given').trim()}`));
    });
    sync.on('end', () => {
      if (!received.includes('\n')) finish(new ProcessError(argv, parentExit?.code ?? null, parentExit?.signal ?? null, stderr, 'conmon exited without reporting the container'));
    });
  });
}

function killDaemon(args: string[]): void {
  const i = args.indexOf('--conmon-pidfile');
  try {
    const pid = Number(readFileSync(args[i + 1]!, 'utf8').trim());
    if (pid > 0) process.kill(pid, 'SIGKILL');
  } catch {
    // not started or already gone
  }
}
