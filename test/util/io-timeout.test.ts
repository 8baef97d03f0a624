// A timer the blocked event loop ran late does not beat the answer already waiting in a socket.
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sendControl } from '../../src/engines/embedded/agent/control.js';
import { suite } from '../harness.js';

const s = suite('io-timeout');

const block = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** An agent stand-in in its own process: answers one request, then says so in a file. */
const SERVER = `
const net = require('net'), fs = require('fs'); const [path, answered] = process.argv.slice(1);
const server = net.createServer((sock) => sock.once('data', () => fs.writeFileSync(answered + '.got', '') || sock.end('{"ok":true,"pid":7}\\n', () => { fs.writeFileSync(answered, ''); server.close(); })));
server.listen(path, () => fs.writeFileSync(path + '.ready', ''));
setTimeout(() => process.exit(1), 60000).unref();
`;

s('sendControl: an answer that arrived while the event loop was blocked past the timeout is taken', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-iotimeout-'));
  const path = join(dir, 'control.sock');
  const answered = join(dir, 'answered');
  const child = spawn(process.execPath, ['-e', SERVER, path, answered], { stdio: 'ignore' });
  try {
    while (!existsSync(`${path}.ready`)) await new Promise((r) => setTimeout(r, 10));
    const timeoutMs = 1000;
    const started = Date.now();
    const reply = sendControl(path, 'reload', timeoutMs);
    // The request goes out; then the loop blocks (as under a hundred synchronous spawns) until the
    // answer is in the socket and the timeout is long past.
    while (!existsSync(`${answered}.got`) && Date.now() - started < 30_000) await new Promise((r) => setImmediate(r));
    while (!existsSync(answered) && Date.now() - started < 30_000) block(5);
    assert.ok(existsSync(answered), 'the stand-in answered');
    block(Math.max(0, started + timeoutMs + 100 - Date.now()));
    assert.equal(await reply, { ok: true, pid: 7 });
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
