import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { Batcher } from '../../src/util/batch.js';

const s = suite('batch');

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

s('calls of one turn share a run; calls made during a run are merged into the next one', async () => {
  const gates = [gate(), gate()];
  const runs: number[][] = [];
  const b = new Batcher<number, number>(async (items) => {
    runs.push(items);
    await gates[runs.length - 1]!.opened;
    return items.map((i) => ({ ok: true, value: i * 10 }));
  });
  const first = [b.submit(1), b.submit(2)];
  await new Promise((r) => setImmediate(r));
  assert.equal(runs, [[1, 2]]);
  const later = Array.from({ length: 20 }, (_, i) => b.submit(100 + i));
  gates[0]!.open();
  assert.equal(await Promise.all(first), [10, 20]);
  await new Promise((r) => setImmediate(r));
  assert.equal(runs.length, 2);
  assert.equal(runs[1], Array.from({ length: 20 }, (_, i) => 100 + i));
  gates[1]!.open();
  assert.equal(await Promise.all(later), Array.from({ length: 20 }, (_, i) => 1000 + i * 10));
});

s('each caller gets its own item\'s error; a thrown run fails every item of it, and the next run goes on', async () => {
  let run = 0;
  const b = new Batcher<string, string>(async (items) => {
    if (run++ === 1) throw new Error('whole run failed');
    return items.map((i) => (i.startsWith('bad') ? { ok: false, error: new Error(`no ${i}`) } : { ok: true, value: i.toUpperCase() }));
  });
  const results = await Promise.allSettled([b.submit('a'), b.submit('bad1'), b.submit('b'), b.submit('bad2')]);
  assert.equal(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)), ['A', 'no bad1', 'B', 'no bad2']);
  const thrown = await Promise.allSettled([b.submit('c'), b.submit('d')]);
  assert.equal(thrown.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ok')), ['whole run failed', 'whole run failed']);
  assert.is(await b.submit('e'), 'E');
  assert.is(run, 3);
});

s.run();
