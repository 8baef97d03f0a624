import { suite } from '../../harness.js';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureAgent, stopAgent } from '../../../src/engines/embedded/agent/ensure.js';
import { sendControl } from '../../../src/engines/embedded/agent/control.js';
import { agentPaths } from '../../../src/engines/embedded/agent/paths.js';
import { readAgentPid } from '../../../src/engines/embedded/agent/pidfile.js';
import { isAlive } from '../../../src/engines/embedded/state/process-ref.js';
import {
  ask, makeTempRoot, randomPort, removeEndpoint, removeNetwork, removeTempRoot, startFakeUpstream, writeEndpoint, writeNetwork,
  type FakeUpstream,
} from './dns-helpers.js';
import { agentPidsOf } from './engine-helpers.js';

// 127.54.1.x: network proj_default (gateway .1), 127.54.2.x: net2, 127.54.9.1: the upstream.
const GW = '127.54.1.1';
const CLIENT = '127.54.1.4';

interface Ctx {
  root?: string;
  upstream?: FakeUpstream;
  port: number;
  /** Every agent pid this suite saw, to be sure none outlives it. */
  pids: Set<number>;
}
const ctx: Ctx = { port: randomPort(), pids: new Set() };
const s = suite('agent');
const opts = () => ({ dnsPort: ctx.port, upstreams: [`${ctx.upstream!.host}:${ctx.upstream!.port}`], rescanMs: 200 });
const ensure = async () => {
  const r = await ensureAgent(ctx.root!, opts());
  ctx.pids.add(r.pid);
  return r;
};

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await sleep(50);
  }
}

const answers = (host: string, name: string) => ask({ host, port: ctx.port }, name, 'A', { from: CLIENT, timeoutMs: 500 }).then((r) => r.answers, () => ['<no reply>']);


s.before(async () => {
  const root = (ctx.root = makeTempRoot());
  ctx.upstream = await startFakeUpstream('127.54.9.1');
  writeNetwork(root, { name: 'proj_default', gateway: GW });
  writeEndpoint(root, 'a'.repeat(64), 'proj-web-1', { proj_default: ['127.54.1.2', 'web', 'proj-web-1'] });
  writeEndpoint(root, 'c'.repeat(64), 'proj-client-1', { proj_default: [CLIENT, 'client'], net2: ['127.54.2.4', 'client'] });
});

s.after(async () => {
  try {
    if (ctx.root) await stopAgent(ctx.root);
  } finally {
    for (const pid of ctx.pids) if (isAlive({ pid })) process.kill(pid, 'SIGKILL');
    await ctx.upstream?.close();
    if (process.env.TSC_KEEP_ROOT) console.log('kept', ctx.root); else removeTempRoot(ctx.root);
  }
});

s('starts on demand, writes its pidfile, answers ping', async () => {
  const r = await ensure();
  assert.ok(r.started);
  const paths = agentPaths(ctx.root!);
  const rec = readAgentPid(paths.pidFile)!;
  assert.is(rec.pid, r.pid);
  assert.type(rec.startTicks, 'number');
  const pong = await sendControl(paths.socket, 'ping');
  assert.equal(pong, { ok: true, pid: r.pid });
  const again = await ensure();
  assert.equal(again, { pid: r.pid, started: false });
  const status = await sendControl(paths.socket, 'status');
  assert.ok(status.ok);
  const bad = await sendControl(paths.socket, 'dance');
  assert.is(bad.ok, false);
});

s('serves DNS on the network gateway and forwards other names', async () => {
  await ensure();
  assert.equal(await eventually(() => answers(GW, 'web'), (a) => a[0] === '127.54.1.2'), ['127.54.1.2']);
  assert.equal(await answers(GW, 'host5.upstream.test'), ['192.0.2.5']);
});

s('records change the moment an endpoint file is written or removed', async () => {
  await ensure();
  writeEndpoint(ctx.root!, 'b'.repeat(64), 'proj-web-2', { proj_default: ['127.54.1.3', 'web', 'proj-web-2'] });
  const both = await eventually(() => answers(GW, 'web'), (a) => a.length === 2);
  assert.equal([...both].sort(), ['127.54.1.2', '127.54.1.3']);
  removeEndpoint(ctx.root!, 'b'.repeat(64));
  assert.equal(await eventually(() => answers(GW, 'proj-web-2'), (a) => a.length === 0), []);
});

s('listeners follow networks as they come and go', async () => {
  await ensure();
  assert.equal(await answers('127.54.2.1', 'client'), ['<no reply>']);
  writeNetwork(ctx.root!, { name: 'net2', gateway: '127.54.2.1' });
  assert.equal(await eventually(() => answers('127.54.2.1', 'client'), (a) => a[0] === '127.54.2.4'), ['127.54.2.4'], 'asked through net2: its net2 address');
  removeNetwork(ctx.root!, 'net2');
  assert.equal(await eventually(() => answers('127.54.2.1', 'client'), (a) => a[0] === '<no reply>'), ['<no reply>']);
});

s('killed with SIGKILL, it is brought back by the next ensureAgent and serves again', async () => {
  const first = await ensure();
  process.kill(first.pid, 'SIGKILL');
  await eventually(async () => isAlive({ pid: first.pid }), (alive) => !alive);
  assert.ok(existsSync(agentPaths(ctx.root!).socket), 'a stale socket is left behind');
  const second = await ensure();
  assert.ok(second.started);
  assert.is.not(second.pid, first.pid);
  assert.equal(await eventually(() => answers(GW, 'web'), (a) => a[0] === '127.54.1.2'), ['127.54.1.2']);
});

s('reload over the socket rebuilds at once', async () => {
  await ensure();
  writeEndpoint(ctx.root!, 'd'.repeat(64), 'proj-late-1', { proj_default: ['127.54.1.9', 'late'] });
  const reply = await sendControl(agentPaths(ctx.root!).socket, 'reload');
  assert.ok(reply.ok);
  assert.equal(await answers(GW, 'late'), ['127.54.1.9']);
});

s('a reload with nothing changed reads no file again; one after a change does', async () => {
  await ensure();
  const socket = agentPaths(ctx.root!).socket;
  const dns = async () => {
    const reply = await sendControl(socket, 'status');
    return (reply as unknown as { services: { dns: { rebuilds: number; unchanged: number } } }).services.dns;
  };
  await sendControl(socket, 'reload');
  const before = await dns();
  for (let i = 0; i < 3; i++) await sendControl(socket, 'reload');
  const after = await dns();
  assert.is(after.rebuilds, before.rebuilds, 'no rebuild');
  assert.ok(after.unchanged >= before.unchanged + 3, 'each reload was answered');
  writeEndpoint(ctx.root!, 'e'.repeat(64), 'proj-later-1', { proj_default: ['127.54.1.10', 'later'] });
  await sendControl(socket, 'reload');
  assert.equal(await answers(GW, 'later'), ['127.54.1.10']);
  assert.ok((await dns()).rebuilds > after.rebuilds);
});

s('concurrent ensureAgent calls start one agent', async () => {
  assert.ok(await stopAgent(ctx.root!));
  assert.equal(agentPidsOf(ctx.root!), []);
  const results = await Promise.all([ensure(), ensure(), ensure(), ensure()]);
  assert.is(new Set(results.map((r) => r.pid)).size, 1);
  assert.is(results.filter((r) => r.started).length, 1);
  await sleep(300);
  assert.equal(agentPidsOf(ctx.root!), [results[0]!.pid]);
});

s('stopAgent stops it and removes its pidfile and socket', async () => {
  const r = await ensure();
  assert.ok(await stopAgent(ctx.root!));
  assert.not.ok(isAlive({ pid: r.pid }));
  const paths = agentPaths(ctx.root!);
  assert.not.ok(existsSync(paths.pidFile));
  assert.not.ok(existsSync(paths.socket));
  assert.is(await stopAgent(ctx.root!), false);
});

s.run();
