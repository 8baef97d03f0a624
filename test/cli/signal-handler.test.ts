import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { withSignalHandler } from '../../src/cli/signal-handler.js';

const test = suite('signal handler');

test('takes SIGINT over while it runs, then gives the earlier listeners back, even after a throw', async () => {
  const earlier: string[] = [];
  const exitLike = () => earlier.push('exit');
  const before = process.listeners('SIGINT');
  process.removeAllListeners('SIGINT');
  process.on('SIGINT', exitLike);
  try {
    const seen: string[] = [];
    const result = await withSignalHandler(['SIGINT', 'SIGTERM'], (s) => seen.push(s), async () => {
      process.emit('SIGINT', 'SIGINT');
      process.emit('SIGTERM', 'SIGTERM');
      return 7;
    });
    assert.is(result, 7);
    assert.equal(seen, ['SIGINT', 'SIGTERM']);
    assert.equal(earlier, [], 'the earlier SIGINT listener was set aside');
    await withSignalHandler(['SIGINT'], () => undefined, async () => { throw new Error('boom'); }).catch(() => undefined);
    assert.equal(process.listeners('SIGINT'), [exitLike]);
  } finally {
    process.removeAllListeners('SIGINT');
    for (const l of before) process.on('SIGINT', l as () => void);
  }
});

test.run();
