// An agent started by a command that was killed before it could wait for it
// (SIGKILL of `up -d`): the next command that finds no agent yet starts one,
// which sees the first one serving the root and exits. The command must take
// the agent that serves, not fail with "exited at start".
import { spawn } from 'node:child_process';
import * as assert from 'uvu/assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from '../../harness.js';
import { sendControl } from '../../../src/engines/embedded/agent/control.js';
import { agentCommand } from '../../../src/engines/embedded/agent/entry.js';
import { ensureAgent, stopAgent } from '../../../src/engines/embedded/agent/ensure.js';
import { agentPaths, makeAgentDir } from '../../../src/engines/embedded/agent/paths.js';
import { isAlive } from '../../../src/engines/embedded/state/process-ref.js';
import { makeTempRoot, randomPort, removeTempRoot } from './dns-helpers.js';

const s = suite('agent start race');
let root = '';
let pids: number[] = [];

s.before.each(() => {
  root = makeTempRoot();
  pids = [];
});

s.after.each(async () => {
  try {
    await stopAgent(root).catch(() => false);
  } finally {
    for (const pid of pids) if (isAlive({ pid })) process.kill(pid, 'SIGKILL');
    removeTempRoot(root);
  }
});

/** An agent for `root` that nobody waits for, as the killed command left it. */
function orphanAgent(port: number): number {
  makeAgentDir(agentPaths(root));
  const { command, args } = agentCommand();
  const child = spawn(command, [...args, '--root', root, '--dns-port', String(port)], { detached: true, stdio: 'ignore', cwd: '/' });
  child.unref();
  pids.push(child.pid!);
  return child.pid!;
}

for (const delayMs of [0, 50]) {
  s(`a command that finds no agent ${delayMs} ms after an orphan agent started takes the one that serves`, async () => {
    const port = randomPort();
    const orphan = orphanAgent(port);
    await sleep(delayMs);
    const r = await ensureAgent(root, { dnsPort: port, onWait: () => {} });
    pids.push(r.pid);
    const reply = await sendControl(agentPaths(root).socket, "ping");
    assert.is(reply.ok && reply.pid, r.pid, 'the agent returned is the one answering');
    // Exactly one agent is left: the other one exits on its own once it sees the one serving.
    const other = r.pid === orphan ? pids.find((p) => p !== orphan && p !== r.pid) : orphan;
    for (let i = 0; other !== undefined && isAlive({ pid: other }) && i < 200; i++) await sleep(50);
    assert.ok(isAlive({ pid: r.pid }));
    if (other !== undefined) assert.not.ok(isAlive({ pid: other }), `agent ${other} still runs beside ${r.pid}`);
  });
}

s.run();
