import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { Coalescer } from '../../src/util/coalesce.js';

const s = suite('coalesce');

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

s('a burst during a run is served by one more run; each request by a run that started after it', async () => {
  const gates = [gate(), gate()];
  let runs = 0;
  const c = new Coalescer(async () => {
    await gates[runs++]!.opened;
  });
  const first = c.request();
  const order: string[] = [];
  void first.then(() => order.push('first'));
  const burst = Array.from({ length: 50 }, () => c.request());
  void Promise.all(burst).then(() => order.push('burst'));
  await Promise.resolve();
  assert.is(runs, 1);
  gates[0]!.open();
  await first;
  await new Promise((r) => setImmediate(r));
  // The burst came after the first run started: it waits for the second.
  assert.equal(order, ['first']);
  assert.is(runs, 2);
  gates[1]!.open();
  await Promise.all(burst);
  assert.is(runs, 2);
  await c.idle();
  assert.is(runs, 2);
});

s('a failed run rejects the requests it served; the next request runs again', async () => {
  let runs = 0;
  const c = new Coalescer(async () => {
    if (runs++ === 0) throw new Error('boom');
  });
  const results = await Promise.allSettled([c.request(), c.request()]);
  assert.equal(results.map((r) => r.status), ['rejected', 'fulfilled']);
  await c.request();
  assert.is(runs, 3);
});

s.run();
