// The user's terminal (or pipes) attached to one container, as `docker run -it`
// and `docker attach` do: raw mode on our terminal while attached to a TTY, its
// size passed on (and on SIGWINCH), Ctrl-C sent on to the container (sig-proxy)
// without a TTY — with a TTY it is a byte of input like any other.
import type { AttachOptions, Engine } from '../../engine/types.js';
import { withSignalHandler } from '../signal-handler.js';

export interface InteractiveOptions {
  /** The container has a TTY. */
  tty: boolean;
  /** Our stdin goes to the container. */
  stdin: boolean;
  detachKeys?: string;
  start?: boolean;
  /** Signals to the container (true) or a detach on Ctrl-C (false). */
  sigProxy: boolean;
}

/**
 * Resolves when the container's output has ended or the user detached. A
 * second Ctrl-C while the first one was sent on (a container may ignore it, as
 * a PID 1 does) gives up: `interrupted`, the container left as it is.
 */
export async function attachInteractive(engine: Engine, id: string, opts: InteractiveOptions): Promise<{ detached: boolean; interrupted: boolean }> {
  const input = process.stdin;
  const raw = opts.tty && opts.stdin && input.isTTY === true;
  const size = () => (process.stdout.isTTY ? { rows: process.stdout.rows, columns: process.stdout.columns } : undefined);
  const attach: AttachOptions = {
    stdin: opts.stdin ? input : undefined, stdout: process.stdout, stderr: process.stderr,
    detachKeys: opts.detachKeys, start: opts.start, size: opts.tty ? size() : undefined,
  };
  if (raw) input.setRawMode(true);
  let session: Awaited<ReturnType<Engine['containers']['attach']>> | undefined;
  const onResize = () => {
    const now = size();
    if (now && session) void session.resize(now).catch(() => undefined);
  };
  let interrupted = false;
  let proxied = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (opts.sigProxy && !proxied) {
      proxied = signal === 'SIGINT';
      void engine.containers.kill(id, signal).catch(() => undefined);
      return;
    }
    interrupted = opts.sigProxy;
    session?.close();
  };
  try {
    const attached = await engine.containers.attach(id, attach);
    session = attached;
    if (opts.tty) process.stdout.on('resize', onResize);
    // Ours alone while attached: the CLI's own Ctrl-C handler (exit 130) comes back after.
    const { detached } = await withSignalHandler(['SIGINT', 'SIGTERM'], onSignal, () => attached.done);
    return { detached, interrupted };
  } finally {
    process.stdout.removeListener('resize', onResize);
    if (raw) input.setRawMode(false);
    input.pause();
  }
}
