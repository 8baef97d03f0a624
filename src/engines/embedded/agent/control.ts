// The agent's control socket: one JSON request per line, one JSON reply per
// line (`{"cmd":"ping"}` → `{"ok":true,"pid":123}`).
import { chmodSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { TscError } from '../../../util/errors.js';
import { setIoTimeout } from '../../../util/io-timeout.js';

export interface ControlRequest {
  cmd: string;
}

export type ControlReply = { ok: true; [key: string]: unknown } | { ok: false; error: string };

export type ControlHandler = (request: ControlRequest) => Promise<ControlReply>;

const MAX_REQUEST = 64 * 1024;

/**
 * No agent answered on the socket: none listens there (`listening` false: no socket file, or
 * nobody accepts on it), or the one that took the request went away before answering (killed,
 * replaced, stopped). Not a slow agent: that is a timeout.
 */
export class AgentGoneError extends TscError {
  constructor(readonly cmd: string, readonly listening: boolean, reason: string) {
    super('AGENT_GONE', listening
      ? `the tscompose agent went away before answering "${cmd}" (${reason})`
      : `no tscompose agent listens for "${cmd}" (${reason})`);
  }
}

/** connect(2) on a socket file that nobody listens on, or that is not there. */
const NOT_LISTENING = new Set(['ENOENT', 'ECONNREFUSED']);

/** Listens on `path`, replacing a stale socket file (the caller has made sure no live agent owns it). */
export async function startControlServer(path: string, handle: ControlHandler): Promise<Server> {
  rmSync(path, { force: true });
  const server = createServer((sock) => {
    let buf = '';
    // For a client that never sends its request; the handling of one (a reload at 300 containers) may take longer.
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
      sock.setTimeout(0);
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
 * Sends one command; rejects when no agent is there or it goes away before answering (AgentGoneError),
 * does not answer in time, or answers garbage.
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
      if (buf === '') return reject(new AgentGoneError(cmd, true, 'it closed the connection'));
      try {
        resolve(JSON.parse(buf) as ControlReply);
      } catch {
        reject(new Error(`agent answered "${cmd}" with something that is not JSON: ${buf.slice(0, 200)}`));
      }
    });
    const timer = setIoTimeout(() => settle(() => {
      sock.destroy();
      reject(new TscError('AGENT_TIMEOUT', `the tscompose agent did not answer "${cmd}" within ${timeoutMs} ms`));
    }), timeoutMs);
    sock.on('connect', () => sock.write(JSON.stringify({ cmd }) + '\n'));
    sock.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      if (buf.includes('\n')) answer();
    });
    sock.on('error', (error: NodeJS.ErrnoException) => settle(() => {
      sock.destroy();
      reject(new AgentGoneError(cmd, !NOT_LISTENING.has(error.code ?? ''), `${error.message} on ${path}`));
    }));
    sock.on('end', answer);
  });
}
