// One healthcheck probe: the command exec'd in the running container (as
// `exec`, with the container's own user, cwd and env), stdout and stderr
// together, cut at 4 KiB. A probe that outlives its timeout is killed (by the
// pid runc reports, so the process inside the container dies, not only the
// runc client) and counts as a failure, as in Docker.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, writeJsonAtomic } from '../../../util/atomic-file.js';
import { buildExecProcess } from '../runtime/exec-process.js';
import type { OciSpec } from '../runtime/oci-types.js';
import { openRuntime, type RuntimeName } from '../runtime/runc.js';
import { runtimePaths } from '../runtime/container-runtime.js';
import { formatGoDuration } from './config.js';
import { MAX_OUTPUT_BYTES, type HealthResult } from './record.js';

export interface ProbeTarget {
  stateRoot: string;
  id: string;
  /** The container's bundle (its config.json gives the process to derive from). */
  bundleDir: string;
  runtime?: RuntimeName;
}

export interface ProbeOptions {
  cmd: string[];
  timeoutMs: number;
  /** Kills the probe now (the agent stopping, the container stopping). */
  signal?: AbortSignal;
}

/** Which OCI runtime holds the container: the one whose state directory has it. */
export function runtimeOfContainer(stateRoot: string, id: string): RuntimeName {
  return existsSync(join(stateRoot, 'runtime', 'crun', id)) ? 'crun' : 'runc';
}

export async function runProbe(target: ProbeTarget, opts: ProbeOptions): Promise<HealthResult> {
  const start = new Date().toISOString();
  const done = (exitCode: number, output: string): HealthResult => ({ start, end: new Date().toISOString(), exitCode, output });
  const config = readJson<OciSpec>(join(target.bundleDir, 'config.json'));
  if (!config) return done(-1, `container ${target.id} has no runtime bundle (is it running?)`);
  const runtime = openRuntime(target.stateRoot, target.runtime ?? runtimeOfContainer(target.stateRoot, target.id));
  if (!runtime.path) return done(-1, `${runtime.name} not found in PATH: \`apt-get install ${runtime.name}\``);
  const dir = runtimePaths(target.stateRoot, target.id).dir;
  const tag = `health-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const processFile = join(dir, `${tag}.json`);
  const pidFile = join(dir, `${tag}.pid`);
  try {
    writeJsonAtomic(processFile, buildExecProcess(config, { cmd: opts.cmd }));
  } catch (error) {
    return done(-1, `cannot prepare the healthcheck: ${(error as Error).message}`);
  }
  try {
    const argv = [runtime.path, ...runtime.globalArgs(), 'exec', '--process', processFile, '--pid-file', pidFile, target.id];
    const r = await runWithTimeout(argv, pidFile, opts);
    if (r.timedOut) {
      const limit = formatGoDuration(opts.timeoutMs);
      return done(-1, r.output ? `Health check exceeded timeout (${limit}): ${r.output}` : `Health check exceeded timeout (${limit})`);
    }
    return done(r.code, r.output);
  } finally {
    rmSync(processFile, { force: true });
    rmSync(pidFile, { force: true });
  }
}

interface RunResult {
  code: number;
  output: string;
  timedOut: boolean;
}

function runWithTimeout(argv: string[], pidFile: string, opts: ProbeOptions): Promise<RunResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let cut = false;
    const keep = (d: Buffer) => {
      const room = MAX_OUTPUT_BYTES - size;
      if (room > 0) chunks.push(d.subarray(0, room));
      size += Math.min(room > 0 ? room : 0, d.length);
      if (d.length > room) cut = true;
    };
    const output = () => Buffer.concat(chunks).toString('utf8') + (cut ? '...' : '');
    let timedOut = false;
    let settled = false;
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const killProbe = () => {
      try {
        const pid = Number(readFileSync(pidFile, 'utf8').trim());
        if (pid > 0) process.kill(pid, 'SIGKILL');
      } catch { /* not started yet, or gone */ }
      // runc exits once its process died; kill it too when it does not.
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killProbe();
    }, opts.timeoutMs);
    const onAbort = () => killProbe();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (r: RunResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      child.stdout!.destroy();
      child.stderr!.destroy();
      resolve(r);
    };
    child.on('error', (e) => finish({ code: -1, output: e.message, timedOut: false }));
    // Background processes of the probe may hold its pipes: end with the process after a short drain.
    child.on('exit', (code, signal) => {
      setTimeout(() => finish({ code: signal ? -1 : code ?? -1, output: output(), timedOut }), 50);
    });
  });
}
