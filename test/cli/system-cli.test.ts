// `system doctor` and `system info` as a user runs them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { renderInfo } from '../../src/cli/commands/system.js';
import { suite } from '../harness.js';
import { runCli } from './cli.js';

const s = suite('system cli');
let dir = '';

s.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsc-system-cli-'));
});
s.after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

s('doctor: a line per check; exit 1 exactly when a required check fails', () => {
  const r = runCli(['system', 'doctor'], { cwd: dir });
  const lines = r.stdout.split('\n');
  assert.is(lines[0], 'Embedded engine:');
  for (const name of ['root', 'kernel', 'overlayfs', 'cgroups', 'OCI runtime', 'conmon']) {
    assert.ok(lines.some((l) => new RegExp(`^ (ok|FAIL|warn) +${name} `).test(l)), `no ${name} check in:\n${r.stdout}`);
  }
  const failed = lines.some((l) => l.startsWith(' FAIL '));
  assert.is(r.code, failed ? 1 : 0, r.stderr);
  assert.ok(r.stdout.includes(failed ? 'cannot run the embedded engine' : 'This machine can run the embedded engine.'));
  const json = JSON.parse(runCli(['system', 'doctor', '--format', 'json'], { cwd: dir }).stdout) as { ok: boolean; checks: unknown[] };
  assert.is(json.ok, !failed);
});

s('info: counts from the state root', () => {
  const root = join(dir, 'root');
  const r = runCli(['--root', root, 'system', 'info'], { cwd: dir });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, / Containers: 0\n  Running: 0\n/);
  assert.match(r.stdout, / Images: 0\n/);
  assert.match(r.stdout, / Storage Driver: overlay\n/);
  assert.match(r.stdout, new RegExp(` Root Dir: ${root}\\n`));
});

s('renderInfo layout', () => {
  assert.is(renderInfo({ root: '/r', runtime: 'runc', cgroupVersion: '1', containers: { total: 3, running: 1, paused: 0, stopped: 2 }, images: 2, projects: 1 }), [
    'Server:', ' Engine: embedded (no daemon)', ' Containers: 3', '  Running: 1', '  Paused: 0', '  Stopped: 2', ' Images: 2', ' Projects: 1',
    ' Storage Driver: overlay', ' Cgroup Version: 1', ' Default Runtime: runc', ' Root Dir: /r', '',
  ].join('\n'));
});

s.run();
