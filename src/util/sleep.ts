// A pause that ends early, without an error, when `signal` aborts. Its abort
// listener goes away with it: a poll loop adding one per round without
// removing it made Node warn of a leak after ten rounds.
import { setTimeout as delay } from 'node:timers/promises';

export async function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  await delay(ms, undefined, { signal }).catch((error: unknown) => {
    if (!signal.aborted) throw error;
  });
}
