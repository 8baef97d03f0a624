// conmon's attach endpoints in the bundle directory (we pass --full-attach):
// - `attach`, a SOCK_SEQPACKET socket. Each packet from conmon is one stream
//   byte (its stdpipe_t: 2 stdout, 3 stderr; all output is 2 with a TTY) then
//   the data. Packets to conmon go to the container's input as they are (the
//   pty with a TTY); a shutdown of our side closes that input unless conmon
//   runs with --leave-stdin-open. conmon closes the socket when it exits.
// - `ctl`, a FIFO: "1 <rows> <columns>\n" resizes the TTY (podman's resize),
//   "2 0 0\n" makes conmon reopen its log (log-rotate.ts).
// Node's net module has no SEQPACKET: node-unix-socket (N-API, its prebuilt
// binary comes inside the registry package) gives it.
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { TerminalSize } from '../../../engine/types.js';
import { TscError } from '../../../util/errors.js';

export const ATTACH_STDOUT = 2;
export const ATTACH_STDERR = 3;
/** conmon reads at most CONN_SOCK_BUF_SIZE - 1 (32 KiB - 1) bytes of a packet: we send smaller ones. */
export const ATTACH_PACKET_MAX = 8192;

/** What of node-unix-socket's SeqpacketSocket we use. */
export interface SeqpacketLike {
  on(event: 'data', fn: (data: Buffer) => void): this;
  on(event: 'end' | 'close', fn: () => void): this;
  on(event: 'error', fn: (error: Error) => void): this;
  once(event: 'connect', fn: () => void): this;
  connect(path: string, cb?: () => void): void;
  write(buf: Buffer, offset?: number, length?: number, cb?: () => void): void;
  end(cb?: () => void): void;
  destroy(): void;
}

function seqpacketSocket(): SeqpacketLike {
  let mod: { SeqpacketSocket: new () => SeqpacketLike };
  try {
    mod = createRequire(import.meta.url)('node-unix-socket') as typeof mod;
  } catch (error) {
    throw new TscError('ATTACH_UNAVAILABLE', `attaching to a container needs the npm package node-unix-socket, which has no build for ${process.platform}-${process.arch} here (${(error as Error).message.split('\n')[0]}): use \`exec\`, or \`--engine docker\``);
  }
  return new mod.SeqpacketSocket();
}

/**
 * One connection to the attach socket. What conmon sends before a reader is
 * set (the container may print, even exit, before) is kept for it.
 */
export class AttachConnection {
  private readonly queue: Buffer[] = [];
  private ended = false;
  private onPacket?: (packet: Buffer) => void;
  private onEnd?: () => void;

  constructor(private readonly socket: SeqpacketLike) {
    socket.on('data', (p: Buffer) => (this.onPacket ? this.onPacket(p) : this.queue.push(p)));
    const end = () => {
      if (this.ended) return;
      this.ended = true;
      this.onEnd?.();
    };
    socket.on('end', end);
    socket.on('close', end);
  }

  /** Delivers what came so far, then each packet as it comes; `onEnd` once conmon has closed its side. */
  read(onPacket: (packet: Buffer) => void, onEnd: () => void): void {
    this.onPacket = onPacket;
    this.onEnd = onEnd;
    for (const p of this.queue.splice(0)) onPacket(p);
    if (this.ended) onEnd();
  }

  write(data: Buffer, offset: number, length: number, done: () => void): void {
    this.socket.write(data, offset, length, done);
  }

  /** Shuts down our sending side: conmon ends the container's input (unless --leave-stdin-open). */
  endInput(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Connects to the container's attach socket (through /proc/self/fd, as conmon binds it: no 108-byte path limit). */
export async function connectAttachSocket(bundleDir: string): Promise<AttachConnection> {
  return new AttachConnection(await connectSeqpacket(bundleDir));
}

function connectSeqpacket(bundleDir: string): Promise<SeqpacketLike> {
  const socket = seqpacketSocket();
  const dirFd = openSync(bundleDir, constants.O_RDONLY | constants.O_DIRECTORY);
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      closeSync(dirFd);
      if (!error) return resolve(socket);
      socket.destroy();
      reject(new TscError('ATTACH_FAILED', `cannot attach to the container: ${error.message}`));
    };
    socket.on('error', settle);
    try {
      socket.connect(`/proc/self/fd/${dirFd}/attach`, () => settle());
    } catch (error) {
      settle(error as Error);
    }
  });
}

/** Resizes the container's TTY through conmon's control FIFO; false when conmon is not there to read it. */
export function resizeTerminal(bundleDir: string, size: TerminalSize): boolean {
  return writeControl(bundleDir, `1 ${Math.max(1, size.rows)} ${Math.max(1, size.columns)}`);
}

/** Makes conmon reopen its k8s-file log (its REOPEN_LOGS_EVENT); false when conmon is not there to read it. */
export function reopenLog(bundleDir: string): boolean {
  return writeControl(bundleDir, '2 0 0');
}

/** One message to conmon's `ctl` FIFO (bundleDir is ours, not the container's). */
function writeControl(bundleDir: string, message: string): boolean {
  let fd: number;
  try {
    fd = openSync(join(bundleDir, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    writeSync(fd, `${message}\n`);
    return true;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}
