import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { DetachKeyFilter, parseDetachKeys } from '../../src/engine/detach-keys.js';

const s = suite('detach keys');

s('parseDetachKeys: Docker\'s ctrl- names and single characters; bad ones refused', () => {
  assert.equal([...parseDetachKeys('ctrl-p,ctrl-q')], [0x10, 0x11]);
  assert.equal([...parseDetachKeys('ctrl-@,ctrl-[,ctrl-_,a')], [0, 27, 31, 97]);
  assert.equal([...parseDetachKeys('')], []);
  assert.throws(() => parseDetachKeys('ctrl-pp'), /invalid detach keys "ctrl-pp"/);
  assert.throws(() => parseDetachKeys('ctrl-p,,x'), /invalid detach keys/);
});

s('DetachKeyFilter: the sequence detaches, across chunks; a broken one is sent on whole', () => {
  const keys = parseDetachKeys('ctrl-p,ctrl-q');
  const f = new DetachKeyFilter(keys);
  assert.equal(f.push(Buffer.from('ab\x10')), { forward: Buffer.from('ab'), detached: false });
  assert.equal(f.push(Buffer.from('\x11rest')), { forward: Buffer.alloc(0), detached: true });
  const g = new DetachKeyFilter(keys);
  assert.equal(g.push(Buffer.from('\x10x\x10\x10\x11')), { forward: Buffer.from('\x10x\x10'), detached: true });
  const none = new DetachKeyFilter(Buffer.alloc(0));
  assert.equal(none.push(Buffer.from('\x10\x11')), { forward: Buffer.from('\x10\x11'), detached: false });
  const one = new DetachKeyFilter(parseDetachKeys('x'));
  assert.equal(one.push(Buffer.from('abx')), { forward: Buffer.from('ab'), detached: true });
});

s.run();
