// The agent's control socket: a request whose handling takes longer than the
// server's wait for a request (10 s) is still answered.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as assert from 'uvu/assert';
import { suite } from '../../harness.js';
import { sendControl, startControlServer } from '../../../src/engines/embedded/agent/control.js';

const s = suite('agent-control');
let dir = '';
let server: Server | undefined;

s.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsc-control-'));
});
s.after.each(async () => {
  if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

s('a request handled for longer than the wait for a request (a reload at 300 containers) is answered', async () => {
  const socket = join(dir, 'agent.sock');
  server = await startControlServer(socket, async (req) => {
    await sleep(11_000);
    return { ok: true, cmd: req.cmd };
  });
  assert.equal(await sendControl(socket, 'reload', 30_000), { ok: true, cmd: 'reload' });
});

s.run();
