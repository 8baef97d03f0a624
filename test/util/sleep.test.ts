import { getEventListeners } from 'node:events';
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { sleepUnlessAborted } from '../../src/util/sleep.js';

const s = suite('sleep unless aborted');

s('a poll loop leaves no abort listener behind (Node warned of a leak after ten rounds)', async () => {
  const stop = new AbortController();
  for (let i = 0; i < 20; i++) await sleepUnlessAborted(1, stop.signal);
  assert.is(getEventListeners(stop.signal, 'abort').length, 0);
});

s('an abort ends the pause early, without an error', async () => {
  const stop = new AbortController();
  let ended = false;
  const pause = sleepUnlessAborted(600_000, stop.signal).then(() => { ended = true; });
  await new Promise((r) => setImmediate(r));
  assert.is(ended, false);
  stop.abort();
  await pause;
  assert.is(ended, true);
  await sleepUnlessAborted(600_000, stop.signal);
});

s.run();
