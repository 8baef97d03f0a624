// A running agent that does not answer: kept while it is only slow (SIGSTOP
// stands in for an agent starved of CPU), replaced once it is hung by the
// rules of ensure.ts; a request in flight when the agent goes away is retried
// against the new one instead of failing with a raw socket error.
import { spawn } from 'node:child_process';
import * as assert from 'uvu/assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from '../../harness.js';
import { AgentGoneError, sendControl } from '../../../src/engines/embedded/agent/control.js';
import { reloadAgent } from '../../../src/engines/embedded/agent/dns-agent.js';
import { ensureAgent, stopAgent, type EnsureAgentOptions } from '../../../src/engines/embedded/agent/ensure.js';
import { agentPaths, makeAgentDir } from '../../../src/engines/embedded/agent/paths.js';
import { readAgentPid } from '../../../src/engines/embedded/agent/pidfile.js';
import { currentBootId, isAlive, readStartTicks } from '../../../src/engines/embedded/state/process-ref.js';
import { writeJsonAtomic } from '../../../src/util/atomic-file.js';
import { makeTempRoot, randomPort, removeTempRoot } from './dns-helpers.js';

interface Ctx {
  root: string;
  /** Every process a test started or saw as its agent: continued and killed after it. */
  pids: Set<number>;
  said: string[];
}
const ctx: Ctx = { root: '', pids: new Set(), said: [] };
const s = suite('agent-hung');

s.before.each(() => {
  ctx.root = makeTempRoot();
  ctx.pids = new Set();
  ctx.said = [];
});

s.after.each(async () => {
  try {
    await stopAgent(ctx.root).catch(() => false);
  } finally {
    for (const pid of ctx.pids) {
      if (!isAlive({ pid })) continue;
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
    }
    removeTempRoot(ctx.root);
  }
});

const ensure = async (extra: EnsureAgentOptions = {}) => {
  const r = await ensureAgent(ctx.root, { dnsPort: randomPort(), onWait: (m) => ctx.said.push(m), ...extra });
  ctx.pids.add(r.pid);
  return r;
};

const pong = (pid: number) => sendControl(agentPaths(ctx.root).socket, 'ping').then((r) => r.ok && r.pid === pid, () => false);

s('a silent agent that uses no CPU for less than the idle limit is kept (slow, not hung)', async () => {
  const first = await ensure();
  assert.ok(first.started);
  process.kill(first.pid, 'SIGSTOP');
  const waiting = ensure();
  // Longer than the 2 s ping and the 5 s grace after which an agent used to be killed.
  await sleep(9_000);
  process.kill(first.pid, 'SIGCONT');
  const r = await waiting;
  assert.equal(r, { pid: first.pid, started: false });
  assert.ok(isAlive({ pid: first.pid }));
  assert.ok(await pong(first.pid));
  assert.ok(ctx.said.some((m) => m.startsWith(`waiting for the tscompose agent (pid ${first.pid}) to answer`)), ctx.said.join('\n'));
});

s('a silent agent that uses no CPU past the idle limit is hung: killed and replaced', async () => {
  const first = await ensure();
  process.kill(first.pid, 'SIGSTOP');
  const r = await ensure({ hung: { idleMs: 1_500 } });
  assert.ok(r.started);
  assert.is.not(r.pid, first.pid);
  assert.is(r.replaced?.pid, first.pid);
  assert.match(r.replaced!.why, /has neither answered nor used any CPU for \d+ s/);
  assert.not.ok(isAlive({ pid: first.pid }));
  assert.ok(await pong(r.pid));
  assert.ok(ctx.said.some((m) => m.startsWith(`the tscompose agent (pid ${first.pid}) has neither answered`)), ctx.said.join('\n'));
});

s('a silent agent busy past the busy limit is hung, however much CPU it uses', async () => {
  // A stand-in that listens on the agent's socket and never answers: a loop that never yields.
  const paths = agentPaths(ctx.root);
  makeAgentDir(paths);
  const fake = spawn(process.execPath, ['-e', "require('net').createServer().listen(process.argv[1], () => { process.stdout.write('ready\\n'); for (;;); })", paths.socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  ctx.pids.add(fake.pid!);
  await new Promise<void>((resolve, reject) => {
    fake.stdout!.once('data', () => resolve());
    fake.once('exit', (code) => reject(new Error(`the stand-in agent exited (${code})`)));
  });
  writeJsonAtomic(paths.pidFile, { pid: fake.pid!, startTicks: readStartTicks(fake.pid!), bootId: currentBootId(), startedAt: new Date().toISOString() });
  const r = await ensure({ hung: { busyMs: 3_000, idleMs: 60_000 } });
  assert.ok(r.started);
  assert.is(r.replaced?.pid, fake.pid);
  assert.match(r.replaced!.why, /has not answered for \d+ s, though it uses CPU/);
  assert.not.ok(isAlive({ pid: fake.pid! }));
  assert.is(readAgentPid(paths.pidFile)?.pid, r.pid);
});

s('a request in flight when its agent goes away: a clear error from sendControl, a retry against a new agent from reload', async () => {
  const first = await ensure();
  const socket = agentPaths(ctx.root).socket;
  // Stopped: the kernel queues the connections and requests; killed: they are dropped unanswered.
  process.kill(first.pid, 'SIGSTOP');
  const raw = sendControl(socket, 'reload', 30_000).then(() => undefined, (error: unknown) => error);
  const reload = reloadAgent(ctx.root).then(() => undefined, (error: unknown) => error);
  await sleep(500); // both requests written
  process.kill(first.pid, 'SIGKILL');
  const error = await raw;
  assert.instance(error, AgentGoneError);
  assert.match((error as Error).message, /^the tscompose agent went away before answering "reload" \(/);
  assert.is(await reload, undefined, 'the reload was done by the new agent');
  const now = readAgentPid(agentPaths(ctx.root).pidFile)!;
  ctx.pids.add(now.pid);
  assert.is.not(now.pid, first.pid);
  assert.ok(await pong(now.pid));
});

s.run();
