// Waiting for something only a file or /proc tells (an exit file, a process
// gone): checks often at first, since it is usually a matter of milliseconds
// (a SIGKILLed container), then every 100 ms.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves true once `done()` holds, false at the deadline (or when `signal` aborts). */
export async function pollUntil(done: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 2; ; delay = Math.min(100, delay * 2)) {
    if (done()) return true;
    if (Date.now() >= deadline || signal?.aborted) return false;
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
  }
}
