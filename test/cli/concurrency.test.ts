// Commands on different projects at once, as users run them from several
// terminals: every one succeeds (each start-up repair and every listing
// meets records that other commands are removing).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { requireHost } from '../host.js';
import { closeTestEngine, missingForEngine, openTestEngine, type TestEngine } from '../engines/embedded/engine-helpers.js';
import { BIN, runCli, type CliResult } from './cli.js';

const s = suite('cli concurrency');
const { ready, test } = requireHost(s, 'cli concurrency tests', missingForEngine());
let t: TestEngine | undefined;
let dir = '';
const PROJECTS = ['tscc1', 'tscc2', 'tscc3', 'tscc4'];

const compose = `
services:
  a: { image: busybox, command: sleep 1000, stop_signal: SIGKILL }
  b: { image: busybox, command: sleep 1000, stop_signal: SIGKILL }
`;

function cliAsync(project: string, ...args: string[]): Promise<CliResult & { argv: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, '--progress', 'plain', '-p', project, ...args], {
      cwd: join(dir, project), env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', TSCOMPOSE_ROOT: t!.root },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? 128, stdout, stderr, argv: `${project} ${args.join(' ')}` }));
  });
}

const failures = (results: Array<CliResult & { argv: string }>) => results.filter((r) => r.code !== 0).map((r) => `${r.argv}: exit ${r.code}\n${r.stderr}`);

s.before(async () => {
  if (!ready) return;
  t = await openTestEngine();
  dir = mkdtempSync(join(tmpdir(), 'tsc-concurrency-'));
  for (const p of PROJECTS) {
    mkdirSync(join(dir, p));
    writeFileSync(join(dir, p, 'compose.yaml'), compose);
  }
});

s.after(async () => {
  try {
    for (const p of PROJECTS) if (t) runCli(['-p', p, 'down', '-t', '0'], { cwd: join(dir, p), env: { TSCOMPOSE_ROOT: t.root } });
  } finally {
    await closeTestEngine(t);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
});

test('three projects\' up and down at once, with ps and ls of another project meanwhile', async () => {
  assert.equal(failures([await cliAsync('tscc4', 'up', '-d')]), []);
  for (let round = 0; round < 2; round++) {
    const ups = await Promise.all(['tscc1', 'tscc2', 'tscc3'].map((p) => cliAsync(p, 'up', '-d')));
    assert.equal(failures(ups), [], `round ${round}: up`);
    const downs = await Promise.all([
      ...['tscc1', 'tscc2', 'tscc3'].map((p) => cliAsync(p, 'down', '-t', '0')),
      cliAsync('tscc4', 'ps'), cliAsync('tscc4', 'ps', '-a'), cliAsync('tscc4', 'ls'),
    ]);
    assert.equal(failures(downs), [], `round ${round}: down and ps`);
    // ps of the project left alone saw both of its containers every time.
    for (const ps of downs.slice(3, 5)) assert.is(ps.stdout.split('\n').filter((l) => /tscc4-[ab]-1/.test(l)).length, 2, ps.stdout);
  }
  const left = await t!.engine.containers.list({ all: true });
  assert.equal(left.map((c) => c.name).filter((n) => !n.startsWith('tscc4-')), []);
});

s.run();
