// The batched teardown steps of many containers (snapshots/unmount-batch,
// networks/ip-batcher): concurrent callers share one process, and each one
// learns the outcome of its own work.
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from '../../harness.js';
import { requireHost } from '../../host.js';
import { ProcessError } from '../../../src/util/exec.js';
import { failedLines, ipBatched } from '../../../src/engines/embedded/networks/ip-batcher.js';
import { unmountBatched } from '../../../src/engines/embedded/snapshots/unmount-batch.js';
import { isMounted } from '../../../src/engines/embedded/state/mountinfo.js';

const s = suite('teardown batches');
const isRoot = process.getuid?.() === 0;
const { test: asRoot } = requireHost(s, 'batched teardown tests', isRoot ? [] : ['root (tmpfs mounts, ip)']);

s('failedLines: what each failing line of `ip -force -batch` printed', () => {
  const stderr = 'Cannot find device "tscnope1"\nCommand failed -:1\nCannot remove namespace file "/run/netns/x": No such file or directory\nCommand failed -:3\n';
  assert.equal([...failedLines(stderr)], [[1, 'Cannot find device "tscnope1"'], [3, 'Cannot remove namespace file "/run/netns/x": No such file or directory']]);
  assert.is(failedLines('').size, 0);
});

asRoot('ip: concurrent callers share a batch; each is told of its own first failing command only', async () => {
  const results = await Promise.allSettled([
    ipBatched([['link', 'show', 'dev', 'lo']]),
    ipBatched([['link', 'del', 'dev', 'tscbatchnope0']]),
    ipBatched([['link', 'show', 'dev', 'lo'], ['link', 'del', 'dev', 'tscbatchnope1'], ['link', 'del', 'dev', 'tscbatchnope2']]),
    ipBatched([['link', 'show', 'dev', 'lo']]),
  ]);
  assert.equal(results.map((r) => r.status), ['fulfilled', 'rejected', 'rejected', 'fulfilled']);
  const argv = (r: PromiseSettledResult<void>) => ((r as PromiseRejectedResult).reason as ProcessError).argv;
  assert.equal(argv(results[1]!), ['ip', 'link', 'del', 'dev', 'tscbatchnope0']);
  assert.equal(argv(results[2]!), ['ip', 'link', 'del', 'dev', 'tscbatchnope1']);
  assert.match(((results[2] as PromiseRejectedResult).reason as ProcessError).stderr, /tscbatchnope1/);
  assert.not.match(((results[2] as PromiseRejectedResult).reason as ProcessError).stderr, /tscbatchnope0/);
});

asRoot('umount: concurrent unmounts in one go; a busy mount fails for its caller alone, not mounted is no error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-umount-batch-'));
  const targets = [0, 1, 2, 3].map((i) => join(dir, `m${i}`));
  let fd: number | undefined;
  try {
    for (const t of targets) {
      mkdirSync(t);
      execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', t]);
    }
    writeFileSync(join(targets[2]!, 'held'), 'x');
    fd = openSync(join(targets[2]!, 'held'), 'r');
    mkdirSync(join(dir, 'never-mounted'));
    const results = await Promise.allSettled([...targets, join(dir, 'never-mounted')].map((t) => unmountBatched(t)));
    assert.equal(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const error = (results[2] as PromiseRejectedResult).reason as ProcessError;
    assert.equal(error.argv, ['umount', targets[2]]);
    assert.match(error.stderr, /busy/);
    assert.not.match(error.stderr, new RegExp(`${targets[0]}:`));
    assert.equal(targets.map((t) => isMounted(t)), [false, false, true, false]);
  } finally {
    if (fd !== undefined) closeSync(fd);
    for (const t of targets) if (isMounted(t)) execFileSync('umount', ['-l', t]);
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
