// Starts the agent of a state root when it is not running (the watchdog every
// command calls), and stops it. Two commands racing start one agent: the
// check-and-spawn runs under a lock file.
//
// A running agent that does not answer is replaced only when it is hung, not
// when it is slow (an overloaded host, 300 containers starting): killing a
// slow one breaks the requests of every other command talking to it. Silent
// but using CPU is slow; silent and using no CPU for HUNG_LIMITS.idleMs is
// hung (stopped, stuck in the kernel); silent for HUNG_LIMITS.busyMs is hung
// however busy (a loop that never lets it answer). The command that waits
// says so; a hung agent costs that one command the wait, once.
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync, renameSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { TscError } from '../../../util/errors.js';
import { acquireLock } from '../state/lock.js';
import { isAlive, readCpuTicks, type ProcessRef } from '../state/process-ref.js';
import { AgentGoneError, sendControl } from './control.js';
import { agentCommand } from './entry.js';
import { agentPaths, makeAgentDir, type AgentPaths } from './paths.js';
import { liveAgent, type AgentPidRecord } from './pidfile.js';

export interface EnsureAgentOptions {
  /** DNS port (default 53; tests use a high one). */
  dnsPort?: number;
  /** Upstream resolvers as `ip[:port]` instead of the host's resolv.conf (tests). */
  upstreams?: string[];
  resolvConf?: string;
  rescanMs?: number;
  /** How long to wait for a new agent to answer (default 20 s). */
  startTimeoutMs?: number;
  /** When a running agent that does not answer counts as hung (tests shorten them). */
  hung?: Partial<HungLimits>;
  /** Told when this call waits for a running agent that does not answer, and when it replaces it (default: stderr). */
  onWait?: (message: string) => void;
}

export interface EnsureAgentResult {
  pid: number;
  /** True when this call started it. */
  started: boolean;
  /** The agent this call found hung and killed, and why. */
  replaced?: { pid: number; why: string };
}

export interface HungLimits {
  /** Not answering and no CPU time used for this long: stopped, or stuck in the kernel. */
  idleMs: number;
  /** Not answering for this long, however much CPU it uses. */
  busyMs: number;
  /** Nobody listening on its socket for this long: a starting agent listens last, a stopping one no more. */
  notListeningMs: number;
}

export const HUNG_LIMITS: Readonly<HungLimits> = { idleMs: 20_000, busyMs: 120_000, notListeningMs: 5_000 };

/** How long one ping may take before the agent counts as silent. */
const PING_MS = 2_000;

const LOG_ROTATE_BYTES = 1 << 20;

export async function ensureAgent(root: string, opts: EnsureAgentOptions = {}): Promise<EnsureAgentResult> {
  const paths = agentPaths(root);
  makeAgentDir(paths);
  const running = await answering(paths);
  if (running) return { pid: running.pid, started: false };

  const limits = { ...HUNG_LIMITS, ...opts.hung };
  const startTimeoutMs = opts.startTimeoutMs ?? 20_000;
  const tell = opts.onWait ?? ((message: string) => void process.stderr.write(`${message}\n`));
  // Longer than the holder may take: judging a silent agent, then starting a new one.
  const lockTimeoutMs = limits.busyMs + startTimeoutMs + 60_000;
  const lock = await acquireLock(paths.lock, { command: 'start the agent' }, { timeoutMs: lockTimeoutMs });
  try {
    let replaced: EnsureAgentResult['replaced'];
    const current = liveAgent(paths.pidFile);
    if (current) {
      const verdict = await judgeAgent(paths, current, limits, tell);
      if (verdict.kind === 'answers') return { pid: current.pid, started: false };
      if (verdict.kind === 'hung') {
        replaced = { pid: current.pid, why: verdict.why };
        tell(`the tscompose agent (pid ${current.pid}) ${verdict.why}: replacing it (see ${paths.log})`);
        noteInLog(paths.log, `agent pid ${current.pid} ${verdict.why}: killed by pid ${process.pid}, which starts a new one`);
        await killAgent(current, 'SIGKILL', 2_000);
      }
    }
    const pid = spawnAgent(root, paths, opts);
    // A new agent listens only once its services have started.
    const verdict = await judgeAgent(paths, { pid }, { idleMs: Infinity, busyMs: startTimeoutMs, notListeningMs: Infinity });
    if (verdict.kind !== 'answers') {
      const alive = isAlive({ pid });
      if (alive) process.kill(pid, 'SIGKILL');
      // It may have found another agent serving the root: one that a command killed before it
      // could wait for it had started, and claimed the root after the check above.
      const other = alive ? undefined : liveAgent(paths.pidFile);
      if (other && other.pid !== pid) {
        const again = await judgeAgent(paths, other, limits, tell);
        if (again.kind === 'answers') return { pid: other.pid, started: false };
      }
      throw new TscError('AGENT_START_FAILED', `the tscompose agent for ${root} ${alive ? 'did not answer in time' : 'exited at start'}; see ${paths.log}${logTail(paths.log)}`);
    }
    return { pid, started: true, ...(replaced && { replaced }) };
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

type Verdict = { kind: 'answers' } | { kind: 'gone' } | { kind: 'hung'; why: string };

/** Pings `who` until it answers, dies, or is hung by `limits`; `tell` hears once that it is being waited for. */
async function judgeAgent(paths: AgentPaths, who: ProcessRef, limits: HungLimits, tell?: (message: string) => void): Promise<Verdict> {
  const start = Date.now();
  let cpu = readCpuTicks(who.pid);
  let lastProgress = start;
  let notListeningSince: number | undefined;
  let told = false;
  for (;;) {
    if (!isAlive(who)) return { kind: 'gone' };
    const ping = await pingAgent(paths, who.pid, Math.max(100, Math.min(PING_MS, start + limits.busyMs - Date.now())));
    if (ping === 'answers') return { kind: 'answers' };
    const now = Date.now();
    const ticks = readCpuTicks(who.pid);
    if (ticks !== cpu) {
      cpu = ticks;
      lastProgress = now;
    }
    if (ping === 'not-listening') {
      notListeningSince ??= now;
      if (now - notListeningSince >= limits.notListeningMs) return { kind: 'hung', why: `has not listened on ${paths.socket} for ${seconds(now - notListeningSince)}` };
    } else {
      notListeningSince = undefined;
      if (tell && !told) {
        told = true;
        tell(`waiting for the tscompose agent (pid ${who.pid}) to answer: it is busy, or hung (it is replaced if it uses no CPU for ${seconds(limits.idleMs)}, or stays silent for ${seconds(limits.busyMs)})`);
      }
    }
    if (now - lastProgress >= limits.idleMs) return { kind: 'hung', why: `has neither answered nor used any CPU for ${seconds(now - lastProgress)}` };
    if (now - start >= limits.busyMs) return { kind: 'hung', why: `has not answered for ${seconds(now - start)}, though it uses CPU` };
    await sleep(50);
  }
}

/** `silent`: it took the connection (or the kernel queued it) but did not answer in time. */
async function pingAgent(paths: AgentPaths, pid: number, timeoutMs: number): Promise<'answers' | 'silent' | 'not-listening'> {
  try {
    const reply = await sendControl(paths.socket, 'ping', timeoutMs);
    // Another pid answering: the socket is not this agent's.
    return reply.ok && reply.pid === pid ? 'answers' : 'not-listening';
  } catch (error) {
    return error instanceof AgentGoneError && !error.listening ? 'not-listening' : 'silent';
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
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

function noteInLog(path: string, message: string): void {
  try {
    appendFileSync(path, `${new Date().toISOString()} [${process.pid}] ${message}\n`);
  } catch { /* the note is for a later look only */ }
}

function logTail(path: string): string {
  try {
    const lines = readFileSync(path, 'utf8').trim().split('\n').slice(-5);
    return lines.length ? `:\n${lines.join('\n')}` : '';
  } catch {
    return '';
  }
}
