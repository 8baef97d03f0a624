// The user's terminal (or pipes) attached to one container, as `docker run -it`
// and `docker attach` do: raw mode on our terminal while attached to a TTY, its
// size passed on (and on SIGWINCH), Ctrl-C sent on to the container (sig-proxy)
// without a TTY — with a TTY it is a byte of input like any other.
import type { AttachOptions, Engine } from '../../engine/types.js';

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

/** Resolves when the container's output has ended or the user detached. */
export async function attachInteractive(engine: Engine, id: string, opts: InteractiveOptions): Promise<{ detached: boolean }> {
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
  const onSignal = (signal: NodeJS.Signals) => {
    if (opts.sigProxy) void engine.containers.kill(id, signal).catch(() => undefined);
    else session?.close();
  };
  try {
    session = await engine.containers.attach(id, attach);
    if (opts.tty) process.stdout.on('resize', onResize);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    return await session.done;
  } finally {
    process.stdout.removeListener('resize', onResize);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (raw) input.setRawMode(false);
    input.pause();
  }
}
