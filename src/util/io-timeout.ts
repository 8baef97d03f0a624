// A timeout judged after pending I/O: when a busy event loop (a hundred
// containers' synchronous spawns and fsyncs) runs a timer late, the answer
// already waiting in a pipe or socket is read first (setImmediate runs after
// the poll phase), so the caller sees it instead of a false "did not answer".

/** Like setTimeout; `fn` runs after the poll phase that follows the expiry. Cleared with clearTimeout until it expires. */
export function setIoTimeout(fn: () => void, ms: number): NodeJS.Timeout {
  return setTimeout(() => setImmediate(fn), ms);
}
