// Starts the agent of a state root when it is not running (the watchdog every
// command calls), and stops it. Two commands racing start one agent: the
// check-and-spawn runs under a lock file.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, renameSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { TscError } from '../../../util/errors.js';
import { acquireLock } from '../state/lock.js';
import { isAlive } from '../state/process-ref.js';
import { sendControl } from './control.js';
import { agentCommand } from './entry.js';
import { agentPaths, makeAgentDir, type AgentPaths } from './paths.js';
import { liveAgent, readAgentPid, type AgentPidRecord } from './pidfile.js';

export interface EnsureAgentOptions {
  /** DNS port (default 53; tests use a high one). */
  dnsPort?: number;
  /** Upstream resolvers as `ip[:port]` instead of the host's resolv.conf (tests). */
  upstreams?: string[];
  resolvConf?: string;
  rescanMs?: number;
  /** How long to wait for a new agent to answer (default 20 s). */
  startTimeoutMs?: number;
}

export interface EnsureAgentResult {
  pid: number;
  /** True when this call started it. */
  started: boolean;
}

const LOG_ROTATE_BYTES = 1 << 20;

export async function ensureAgent(root: string, opts: EnsureAgentOptions = {}): Promise<EnsureAgentResult> {
  const paths = agentPaths(root);
  makeAgentDir(paths);
  const running = await answering(paths);
  if (running) return { pid: running.pid, started: false };

  const lock = await acquireLock(paths.lock, { command: 'start the agent' }, { timeoutMs: 60_000 });
  try {
    const current = liveAgent(paths.pidFile);
    if (current) {
      // Alive but not answering: starting up (give it a moment) or hung (replace it).
      if (await waitForPing(paths, current, 5_000)) return { pid: current.pid, started: false };
      await killAgent(current, 'SIGKILL', 2_000);
    }
    const pid = spawnAgent(root, paths, opts);
    const ok = await waitForPing(paths, { pid }, opts.startTimeoutMs ?? 20_000);
    if (!ok) {
      const alive = isAlive({ pid });
      if (alive) process.kill(pid, 'SIGKILL');
      throw new TscError('AGENT_START_FAILED', `the tscompose agent for ${root} ${alive ? 'did not answer in time' : 'exited at start'}; see ${paths.log}${logTail(paths.log)}`);
    }
    return { pid, started: true };
  } finally {
    await lock.release();
  }
}

/** Stops the agent of `root` (SIGTERM, then SIGKILL after `timeoutMs`); false when none was running. */
export async function stopAgent(root: string, timeoutMs = 5_000): Promise<boolean> {
  const current = liveAgent(agentPaths(root).pidFile);
  if (!current) return false;
  await killAgent(current, 'SIGTERM', timeoutMs);
  return true;
}

/** The agent's pidfile record when it is alive and answers ping. */
export async function agentStatus(root: string): Promise<AgentPidRecord | undefined> {
  return answering(agentPaths(root));
}

async function answering(paths: AgentPaths): Promise<AgentPidRecord | undefined> {
  const rec = liveAgent(paths.pidFile);
  if (!rec) return undefined;
  try {
    const reply = await sendControl(paths.socket, 'ping', 2_000);
    return reply.ok && reply.pid === rec.pid ? rec : undefined;
  } catch {
    return undefined;
  }
}

async function waitForPing(paths: AgentPaths, who: { pid: number; startTicks?: number }, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(who)) return false;
    const rec = readAgentPid(paths.pidFile);
    if (rec?.pid === who.pid) {
      try {
        const reply = await sendControl(paths.socket, 'ping', Math.max(100, Math.min(2_000, deadline - Date.now())));
        if (reply.ok && reply.pid === who.pid) return true;
      } catch { /* not listening yet */ }
    }
    await sleep(50);
  }
  return false;
}

function spawnAgent(root: string, paths: AgentPaths, opts: EnsureAgentOptions): number {
  rotateLog(paths.log);
  const { command, args } = agentCommand();
  const extra = ['--root', root];
  if (opts.dnsPort !== undefined) extra.push('--dns-port', String(opts.dnsPort));
  for (const u of opts.upstreams ?? []) extra.push('--upstream', u);
  if (opts.resolvConf) extra.push('--resolv-conf', opts.resolvConf);
  if (opts.rescanMs !== undefined) extra.push('--rescan-ms', String(opts.rescanMs));
  const logFd = openSync(paths.log, 'a', 0o600);
  try {
    // Its own session (detached): not killed with this command's terminal or process group.
    const child = spawn(command, [...args, ...extra], { detached: true, stdio: ['ignore', logFd, logFd], cwd: '/', env: process.env });
    child.on('error', () => { /* reported as "exited at start" */ });
    child.unref();
    if (child.pid === undefined) throw new TscError('AGENT_START_FAILED', `cannot start the tscompose agent (${command}): see ${paths.log}`);
    return child.pid;
  } finally {
    closeSync(logFd);
  }
}

async function killAgent(rec: { pid: number; startTicks?: number }, signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
  if (!isAlive(rec)) return;
  process.kill(rec.pid, signal);
  const deadline = Date.now() + timeoutMs;
  while (isAlive(rec)) {
    if (Date.now() >= deadline) {
      if (signal === 'SIGKILL') throw new TscError('AGENT_STUCK', `the tscompose agent (pid ${rec.pid}) does not die, even on SIGKILL: its state is in /proc/${rec.pid}/status`);
      return killAgent(rec, 'SIGKILL', 2_000);
    }
    await sleep(20);
  }
}

function rotateLog(path: string): void {
  try {
    if (statSync(path).size > LOG_ROTATE_BYTES) renameSync(path, `${path}.1`);
  } catch { /* no log yet */ }
}

function logTail(path: string): string {
  try {
    const lines = readFileSync(path, 'utf8').trim().split('\n').slice(-5);
    return lines.length ? `:\n${lines.join('\n')}` : '';
  } catch {
    return '';
  }
}
