// The CLI holds V8's optimizer back for its first second, unless the user gave
// node a --max-opt of their own: that one is left alone.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { holdOptimizerBack, OPTIMIZE_AFTER_MS, startFlagsInForce, userSetMaxOpt } from '../../src/util/v8-tiering.js';

const s = suite('v8-tiering');
const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

s('a --max-opt of the user is found on the command line and in NODE_OPTIONS, in both spellings', () => {
  const set = (execArgv: string[], nodeOptions?: string) => userSetMaxOpt({ NODE_OPTIONS: nodeOptions }, execArgv);
  assert.ok(set(['--max-opt=2']));
  assert.ok(set(['--max_opt=0', '--inspect']));
  assert.ok(set([], '--max-old-space-size=100 --max-opt=3'));
  assert.ok(set([], '"--max-opt=3"'), 'quoted whole');
  assert.ok(set([], '--max-opt="3"'), 'quoted value');
  assert.not.ok(set([]));
  assert.not.ok(set(['--max-old-space-size=100', '--max-optimized-bytecode-size=10']));
  assert.not.ok(set([], '--title="a --max-opt=3 b"'), 'inside another option\'s quoted value');
  assert.not.ok(set(['--', '--max-optx']));
});

s('with the user\'s --max-opt, V8\'s flags are not touched', () => {
  const calls: string[] = [];
  const held = holdOptimizerBack({ env: {}, execArgv: ['--max-opt=2'], setFlags: (f) => calls.push(f) });
  assert.is(held, false);
  assert.equal(calls, []);
  assert.ok(startFlagsInForce(), 'the flags stay those of the start: the code cache may be written');
});

s('without it, the optimizer is held back, then given back after OPTIMIZE_AFTER_MS', async () => {
  const calls: string[] = [];
  const held = holdOptimizerBack({ env: { NODE_OPTIONS: '--max-old-space-size=200' }, execArgv: [], setFlags: (f) => calls.push(f) });
  assert.is(held, true);
  assert.equal(calls, ['--max-opt=1']);
  assert.ok(startFlagsInForce());
  for (let waited = 0; calls.length < 2 && waited < OPTIMIZE_AFTER_MS + 5_000; waited += 50) await sleep(50);
  assert.equal(calls, ['--max-opt=1', '--max-opt=999']);
  assert.not.ok(startFlagsInForce());
});

s('the CLI run by `node --max-opt=999` optimizes in its first second (it used to force --max-opt=1)', () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
  const dir = mkdtempSync(join(tmpdir(), 'tsc-v8-tiering-'));
  try {
    // Enough YAML for V8 to find the parser's functions hot.
    const services = Array.from({ length: 200 }, (_, i) => `  s${i}:\n    image: busybox\n    command: sleep ${i}\n    environment:\n      A: "${i}"\n    ports: ["${8000 + i}:80"]\n`);
    writeFileSync(join(dir, 'compose.yaml'), `services:\n${services.join('')}`);
    const r = spawnSync(process.execPath, ['--max-opt=999', '--trace-opt', BIN, 'config'], {
      cwd: dir, env: { ...process.env, TSCOMPOSE_CODE_CACHE: 'off' }, encoding: 'utf8', maxBuffer: 64 << 20,
    });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\[marking .* for optimization to (TURBOFAN|MAGLEV)/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
