// A long-running CLI process for the watch suites (`watch`, `up --watch`):
// its output collected, a wait on a condition that fails with that output,
// and a stop by its pid that always ends it.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { closeTestEngine, type TestEngine } from '../engines/embedded/engine-helpers.js';
import { BIN, runCli } from './cli.js';

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Polls `check` until true; fails after a deadline (a guard against hanging, not a timing assertion). */
  until(what: string, check: () => boolean | Promise<boolean>): Promise<void>;
  /** Sends SIGINT; resolves with the exit code, fails (with the output) if it has not exited after a while (a guard against hanging). */
  interrupt(): Promise<number | null>;
  /** SIGINT, then SIGKILL if it has not exited after a while. */
  stop(): Promise<void>;
}

export function startCli(args: string[], opts: { cwd: string; env: Record<string, string> }): CliProcess {
  let out = '';
  let err = '';
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    async until(what, check) {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        if (await check()) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`timed out waiting for ${what}\nstdout:\n${out}\nstderr:\n${err}`);
    },
    async interrupt() {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGINT');
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`still running 60s after SIGINT\nstdout:\n${out}\nstderr:\n${err}`)), 60_000);
      });
      try {
        return await Promise.race([exited, hung]);
      } finally {
        clearTimeout(timer);
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** After a watch suite: the process stopped, the stack down, the directories and the engine root removed, whatever failed. */
export async function endWatchSuite(w: CliProcess | undefined, t: TestEngine | undefined, dir: string, extraDirs: string[] = []): Promise<void> {
  try {
    await w?.stop();
    if (t && dir) runCli(['down', '-t', '0'], { cwd: dir, env: { TSCOMPOSE_ROOT: t.root } });
  } finally {
    for (const d of [dir, ...extraDirs]) if (d) rmSync(d, { recursive: true, force: true });
    await closeTestEngine(t);
  }
}
