// logging max-size with max-file > 1 on a real container: the agent rotates
// ctr.log into ctr.log.1, .2 (the oldest dropped), and `logs` reads them all in order.
import { existsSync, statSync } from 'node:fs';
import * as assert from 'uvu/assert';
import { requireHost } from '../host.js';
import { suite } from '../harness.js';
import { missingForEngine } from '../engines/embedded/engine-helpers.js';
import { readLogs } from '../../src/engines/embedded/containers/logs.js';
import { downProject, upProject, type ProjectFixture } from './project-fixture.js';

const s = suite('log rotation');
const { ready, test } = requireHost(s, 'log rotation', missingForEngine());
let f: ProjectFixture | undefined;

const MAX_SIZE = 10 * 1024;
// About 2 KB of log a second (25 lines of ~80 bytes with conmon's prefix); the agent looks every
// 2 s, so a rotated file overshoots max-size by a scan period's output: 10 KiB is that with slack.
const OVERSHOOT = 10 * 1024;
const COMPOSE = `
name: rot
services:
  talk:
    image: busybox
    command: ["sh", "-c", "i=0; while true; do j=0; while [ $$j -lt 25 ]; do echo line-$$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$$((i+1)); j=$$((j+1)); done; sleep 1; done"]
    stop_signal: SIGKILL
    network_mode: none
    logging:
      driver: json-file
      options: { max-size: 10k, max-file: "3" }
`;

s.before(async () => {
  if (!ready) return;
  f = await upProject('tsc-logrot-', { 'compose.yaml': COMPOSE });
});

s.after(() => downProject(f));

const numbers = (out: string) => out.split('\n').filter(Boolean).map((l) => Number(/^line-(\d+)-/.exec(l)?.[1]));

function assertConsecutive(ns: number[], what: string): void {
  for (let i = 1; i < ns.length; i++) {
    if (ns[i] !== ns[i - 1]! + 1) assert.unreachable(`${what}: line ${ns[i - 1]} is followed by ${ns[i]}`);
  }
}

test('max-size 10k, max-file 3: at most 3 files, rotated ones from max-size up, logs and --tail read across them in order', async () => {
  const logPath = (await f!.t.engine.containers.inspect('rot-talk-1'))!.logPath!;
  const follow = new AbortController();
  const followed: number[] = [];
  const following = (async () => {
    for await (const e of readLogs({ path: logPath, isRunning: async () => true }, { follow: true, signal: follow.signal })) followed.push(Number(/^line-(\d+)-/.exec(e.line)?.[1]));
  })();
  // Three rotations at least: ctr.log.2 exists and line 0 has been dropped with the oldest file.
  let first = 0;
  for (let i = 0; i < 600 && !(existsSync(`${logPath}.2`) && first > 0); i++) {
    await new Promise((r) => setTimeout(r, 250));
    first = numbers(f!.cli('logs', '--no-log-prefix', 'talk').stdout)[0] ?? 0;
  }
  assert.ok(existsSync(`${logPath}.2`) && first > 0, `no third rotation (first line ${first})`);
  assert.is(f!.cli('stop', 'talk').code, 0);
  follow.abort();
  await following;

  assert.not.ok(existsSync(`${logPath}.3`), 'a fourth file is kept');
  for (const rotated of [`${logPath}.1`, `${logPath}.2`]) {
    const { size } = statSync(rotated);
    assert.ok(size >= MAX_SIZE && size <= MAX_SIZE + OVERSHOOT, `${rotated} is ${size} bytes`);
  }
  const all = numbers(f!.cli('logs', '--no-log-prefix', 'talk').stdout);
  assert.ok(all.length > 100, `${all.length} lines`);
  assertConsecutive(all, 'logs');
  assert.equal(numbers(f!.cli('logs', '--no-log-prefix', '--tail', '5', 'talk').stdout), all.slice(-5));
  // The follow saw rotations go by: nothing lost, nothing twice.
  assert.ok(followed.length > 100, `followed ${followed.length} lines`);
  assertConsecutive(followed, 'logs -f');
});
s.run();
