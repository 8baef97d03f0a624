import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { findInPath } from '../../src/util/find-in-path.js';

const s = suite('findInPath');

s('looks in PATH and the sbin directories', () => {
  assert.is(findInPath('sh', '/bin'), '/bin/sh');
  assert.is(findInPath('iptables', '/nonexistent'), '/usr/sbin/iptables');
  assert.is(findInPath('no-such-tool-here', '/bin'), undefined);
});

s('a found tool is kept per PATH; a missing one is looked for again', () => {
  assert.is(findInPath('sh', '/usr/bin'), '/usr/bin/sh');
  assert.is(findInPath('sh', '/bin'), '/bin/sh');
});

s.run();
