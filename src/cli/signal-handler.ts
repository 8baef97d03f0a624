// bin.ts exits at once (130) on SIGINT. A step that handles the signal itself
// (cancel a plan, proxy it to a container, stop a build) takes SIGINT over for
// its duration; the exit comes back after it, whatever happened.

/** Runs `fn` with `handler` as the only listener of `signals` it set (SIGINT's earlier ones set aside). */
export async function withSignalHandler<T>(
  signals: readonly NodeJS.Signals[],
  handler: (signal: NodeJS.Signals) => void,
  fn: () => Promise<T>,
): Promise<T> {
  const saved = process.listeners('SIGINT');
  process.removeAllListeners('SIGINT');
  for (const s of signals) process.on(s, handler);
  try {
    return await fn();
  } finally {
    for (const s of signals) process.removeListener(s, handler);
    if (process.listenerCount('SIGINT') === 0) for (const l of saved) process.on('SIGINT', l as () => void);
  }
}
