import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { suite } from '../../harness.js';
import { needsRotation, rotatedLogs, rotateLog, rotatesLog } from '../../../src/engines/embedded/runtime/log-rotate.js';

const s = suite('log-rotate units');

s('rotatesLog: only max-file > 1 with a max-size, never the none driver', () => {
  assert.ok(rotatesLog({ driver: 'json-file', maxSizeBytes: 10, maxFile: 3 }));
  assert.not.ok(rotatesLog({ driver: 'json-file', maxSizeBytes: 10, maxFile: 1 }));
  assert.not.ok(rotatesLog({ driver: 'local', maxFile: 3 }));
  assert.not.ok(rotatesLog({ driver: 'none', maxSizeBytes: 10, maxFile: 3 }));
  assert.not.ok(rotatesLog(undefined));
});

s('rotateLog shifts ctr.log.N up, drops what is past max-file, and lists oldest first', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-logrot-'));
  try {
    const log = join(dir, 'ctr.log');
    const write = (text: string) => writeFileSync(log, text);
    write('a');
    assert.not.ok(needsRotation(log, 2));
    write('aa');
    assert.ok(needsRotation(log, 2));
    // No conmon listens on the bundle's ctl: rotation is done, the reopen reported not taken.
    assert.is(rotateLog(log, dir, 3), false);
    write('bb');
    rotateLog(log, dir, 3);
    write('cc');
    rotateLog(log, dir, 3);
    write('dd');
    assert.equal(readdirSync(dir).sort(), ['ctr.log', 'ctr.log.1', 'ctr.log.2']);
    assert.equal(rotatedLogs(log).map((p) => readFileSync(p, 'utf8')), ['bb', 'cc']);
    // max-file lowered since: the files past it go.
    writeFileSync(`${log}.3`, 'old');
    rotateLog(log, dir, 2);
    assert.equal(readdirSync(dir).sort(), ['ctr.log.1']);
    assert.is(readFileSync(`${log}.1`, 'utf8'), 'dd');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
