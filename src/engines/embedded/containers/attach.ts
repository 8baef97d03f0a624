// An attach session over conmon's attach socket: the container's output to
// our stdout/stderr, our input (less the detach keys) to the container.
import type { AttachSession, TerminalSize } from '../../../engine/types.js';
import { DetachKeyFilter } from '../../../engine/detach-keys.js';
import { ATTACH_PACKET_MAX, ATTACH_STDERR, resizeTerminal, type AttachConnection } from '../runtime/attach-socket.js';

export interface AttachPumpOptions {
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  detachKeys: Buffer;
  bundleDir: string;
}

export function pumpAttach(socket: AttachConnection, opts: AttachPumpOptions): AttachSession {
  const { stdin } = opts;
  const filter = new DetachKeyFilter(opts.detachKeys);
  let finish!: (r: { detached: boolean }) => void;
  const done = new Promise<{ detached: boolean }>((resolve) => (finish = resolve));
  let ended = false;
  const end = (detached: boolean) => {
    if (ended) return;
    ended = true;
    if (stdin) {
      stdin.removeListener('data', onInput);
      stdin.removeListener('end', onInputEnd);
      stdin.pause();
    }
    socket.destroy();
    finish({ detached });
  };
  const onInput = (chunk: Buffer | string) => {
    const { forward, detached } = filter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    if (forward.length > 0) send(forward);
    if (detached) end(true);
  };
  // Held while conmon has not taken what we sent: a container that reads slowly slows the input.
  const send = (data: Buffer) => {
    stdin!.pause();
    let pending = 0;
    for (let off = 0; off < data.length; off += ATTACH_PACKET_MAX) {
      pending++;
      socket.write(data, off, Math.min(ATTACH_PACKET_MAX, data.length - off), () => {
        if (--pending === 0 && !ended) stdin!.resume();
      });
    }
  };
  // End of our input: the container's input ends too (unless it is kept open, --leave-stdin-open); its output goes on.
  const onInputEnd = () => {
    if (!ended) socket.endInput();
  };
  if (stdin) {
    stdin.on('data', onInput);
    stdin.on('end', onInputEnd);
    stdin.resume();
  }
  // Last: what came before (even the container's end) is delivered at once.
  socket.read((packet: Buffer) => {
    if (packet.length < 2) return;
    (packet[0] === ATTACH_STDERR ? opts.stderr : opts.stdout).write(packet.subarray(1));
  }, () => end(false));
  return {
    done,
    resize: async (size: TerminalSize) => {
      resizeTerminal(opts.bundleDir, size);
    },
    close: () => end(true),
  };
}
