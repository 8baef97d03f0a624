// Ctrl-C (SIGINT) and SIGTERM while a command changes the stack: the first
// cancels (what is in flight finishes or is undone, nothing else begins, and
// the command exits 130, as Docker Compose for both signals); a second one
// exits at once. Exit hooks of the engine still remove a container record it
// was making, and the locks it held.
import { CanceledError } from '../util/errors.js';
import { withSignalHandler } from './signal-handler.js';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Runs `fn` with a signal that the first SIGINT or SIGTERM aborts (with a CanceledError). */
export async function whileCancellable<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`Canceling on ${signal}: finishing what is in progress... (press Ctrl+C again to force)\n`);
    controller.abort(new CanceledError(signal));
  };
  return withSignalHandler(SIGNALS, onSignal, () => fn(controller.signal));
}
