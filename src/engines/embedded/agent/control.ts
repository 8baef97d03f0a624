// The agent's control socket: one JSON request per line, one JSON reply per
// line (`{"cmd":"ping"}` → `{"ok":true,"pid":123}`).
import { chmodSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { setIoTimeout } from '../../../util/io-timeout.js';

export interface ControlRequest {
  cmd: string;
}

export type ControlReply = { ok: true; [key: string]: unknown } | { ok: false; error: string };

export type ControlHandler = (request: ControlRequest) => Promise<ControlReply>;

const MAX_REQUEST = 64 * 1024;

/** Listens on `path`, replacing a stale socket file (the caller has made sure no live agent owns it). */
export async function startControlServer(path: string, handle: ControlHandler): Promise<Server> {
  rmSync(path, { force: true });
  const server = createServer((sock) => {
    let buf = '';
    sock.setTimeout(10_000, () => sock.destroy());
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      if (buf.length > MAX_REQUEST) return sock.destroy();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      buf = '';
      sock.pause();
      reply(line, handle).then((r) => sock.end(JSON.stringify(r) + '\n'), () => sock.destroy());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, 0o600);
  return server;
}

async function reply(line: string, handle: ControlHandler): Promise<ControlReply> {
  let request: ControlRequest;
  try {
    request = JSON.parse(line) as ControlRequest;
    if (typeof request?.cmd !== 'string') throw new Error('no "cmd"');
  } catch (error) {
    return { ok: false, error: `bad request: ${(error as Error).message}` };
  }
  try {
    return await handle(request);
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/**
 * Sends one command; rejects when the socket is not there, does not answer in time, or answers garbage.
 * The reply is taken at its newline, not at the socket's end: after an event loop blocked past the
 * timeout, the data is read before the (late) timer is judged, the end only after.
 */
export function sendControl(path: string, cmd: string, timeoutMs = 2000): Promise<ControlReply> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    let buf = '';
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const answer = () => settle(() => {
      sock.destroy();
      try {
        resolve(JSON.parse(buf) as ControlReply);
      } catch {
        reject(new Error(`agent answered "${cmd}" with something that is not JSON: ${buf.slice(0, 200)}`));
      }
    });
    const timer = setIoTimeout(() => settle(() => {
      sock.destroy();
      reject(new Error(`agent did not answer "${cmd}" within ${timeoutMs} ms`));
    }), timeoutMs);
    sock.on('connect', () => sock.write(JSON.stringify({ cmd }) + '\n'));
    sock.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      if (buf.includes('\n')) answer();
    });
    sock.on('error', (error) => settle(() => reject(error)));
    sock.on('end', answer);
  });
}
