// A command SIGKILLed while it makes a container, after it made some of the
// container's anonymous volumes: the next command removes the half-made record
// and exactly those volumes (never a volume a recreate carried over from the
// container it replaces), and `up -d` then converges.
// The built CLI against real containers in a temporary state root. The CLI is
// frozen (SIGSTOP) as soon as a new volume appears, the state root is read
// while it stands still, then it is killed: no timing is guessed.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { requireHost } from '../host.js';
import { missingForEngine } from '../engines/embedded/engine-helpers.js';
import type { TestEngine } from '../engines/embedded/engine-helpers.js';
import { readRecord } from '../../src/engines/embedded/state/containers.js';
import { isFullId } from '../../src/engines/embedded/state/ids.js';
import { openStateRoot, type StateRoot } from '../../src/engines/embedded/state/root.js';
import { BIN, runCli, succeeded } from './cli.js';
import type { CliResult } from './cli.js';
import { anonMounts, READ, volumeNames, WRITE } from './anon-volumes-fixture.js';
import { downProject, openProject, type ProjectFixture } from './project-fixture.js';

const s = suite('cli kill mid-create');
const { ready, test } = requireHost(s, 'cli kill mid-create tests', missingForEngine());
let t: TestEngine | undefined;
let dir = '';
let fixture: ProjectFixture | undefined;

// Many anonymous volumes per container: the kill lands between the first and the end of the create.
const IMAGE_VOLUMES = Array.from({ length: 30 }, (_, i) => `/v${i + 1}`);
const DOCKERFILE = `FROM busybox\nVOLUME /imgvol\nVOLUME ${IMAGE_VOLUMES.join(' ')}\n`;
const compose = (extra: string[] = []) => `
name: kmc
services:
  app:
    build: .
    image: kmc-app
    command: sleep 1000
    stop_signal: SIGKILL
    environment: { EXTRA: "${extra.length}" }
    volumes:
${['/data', ...extra].map((v) => `      - ${v}\n`).join('')}`;

function ok(...args: string[]): CliResult {
  return succeeded(args, runCli(['--progress', 'plain', ...args], { cwd: dir, env: { TSCOMPOSE_ROOT: t!.root } }));
}

const root = () => openStateRoot(t!.root);
const volumes = () => volumeNames(t!.engine);
const app = () => anonMounts(t!.engine, 'kmc-app-1');

function recordsBeingMade(r: StateRoot): string[] {
  return readdirSync(r.containers).filter(isFullId).filter((id) => readRecord(r, id)?.state.phase === 'creating');
}

/** Process state letter from /proc/<pid>/stat ('T': stopped); undefined once gone. */
function procState(pid: number): string | undefined {
  try {
    return /\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/**
 * Runs `up -d`, freezes it once a volume not in `before` is in the state root,
 * notes which records are being made at that moment, and SIGKILLs it.
 * `hit`: the freeze found a container half-made (else `up` ended first).
 */
async function killMidCreate(before: string[]): Promise<{ hit: boolean; made: string[]; stderr: string }> {
  const r = root();
  const child = spawn(process.execPath, [BIN, '--progress', 'plain', 'up', '-d'], { cwd: dir, env: { ...process.env, TSCOMPOSE_ROOT: t!.root }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const fresh = () => readdirSync(r.volumes).filter((n) => !before.includes(n));
  const watcher = watch(r.volumes);
  try {
    await new Promise<void>((resolve) => {
      const check = () => {
        if (fresh().length === 0) return;
        child.kill('SIGSTOP');
        resolve();
      };
      watcher.on('change', check);
      check();
      void exited.then(() => resolve());
    });
  } finally {
    watcher.close();
  }
  // SIGSTOP takes effect when the process next runs on its CPU: wait until it stands still.
  while (!['T', undefined].includes(procState(child.pid!))) await new Promise((res) => setTimeout(res, 1));
  const hit = procState(child.pid!) === 'T' && recordsBeingMade(r).length > 0;
  const made = fresh();
  child.kill('SIGKILL');
  await exited;
  return { hit, made, stderr };
}

/** Kills `up -d` mid-create, `rounds` tries at most (a round whose `up` ended first is undone with `undo`). */
async function killMidCreateOnce(before: string[], undo: () => Promise<void>, rounds = 5): Promise<string[]> {
  for (let i = 0; i < rounds; i++) {
    const k = await killMidCreate(before);
    if (k.hit) return k.made;
    await undo();
  }
  throw new Error(`up -d always ended before the freeze in ${rounds} rounds`);
}

function assertNothingHalfMade(): void {
  const r = root();
  assert.equal(readdirSync(r.containers).filter(isFullId).filter((id) => readRecord(r, id)?.state.phase !== 'ready'), [], 'no half-made record');
  assert.equal(readdirSync(r.tmp), [], 'no staging or trash left in tmp/');
}

s.before(async () => {
  if (!ready) return;
  fixture = await openProject('tsc-kmc-', { 'compose.yaml': compose(), Dockerfile: DOCKERFILE });
  t = fixture.t;
  dir = fixture.dir;
  ok('build');
});

// Each test from nothing: what a failed one left is no concern of the next.
s.before.each(async () => {
  if (!ready) return;
  ok('down', '-v', '-t', '0');
  for (const name of await volumes()) await t!.engine.volumes.remove(name);
});

s.after(() => downProject(fixture));

test('SIGKILL of up -d after anonymous volumes were made: the next command removes them with the record; up -d converges', async () => {
  writeFileSync(join(dir, 'compose.yaml'), compose());
  const made = await killMidCreateOnce([], async () => { ok('down', '-v', '-t', '0'); });
  assert.ok(made.length > 0);
  assert.ok(recordsBeingMade(root()).length > 0, 'the killed command left its record half-made');

  ok('ps', '-a');
  assertNothingHalfMade();
  assert.equal(await volumes(), [], 'the volumes the killed create made are gone with its record');

  ok('up', '-d');
  const mounted = (await t!.engine.containers.inspect('kmc-app-1'))!.mounts.filter((m) => m.type === 'volume').map((m) => m.source).sort();
  assert.is(mounted.length, 2 + IMAGE_VOLUMES.length);
  assert.equal(await volumes(), mounted, 'only the volumes of the container made by the next up');
  ok('down', '-v', '-t', '0');
  assert.equal(await volumes(), []);
});

test('SIGKILL mid-recreate: the volumes the new container made go, the ones it carried over stay with their data', async () => {
  writeFileSync(join(dir, 'compose.yaml'), compose());
  ok('up', '-d');
  const first = await app();
  ok(...WRITE);
  const kept = await volumes();
  assert.is(kept.length, 2 + IMAGE_VOLUMES.length);

  // A changed configuration with new anonymous volumes: the recreate makes those and carries over the others.
  const extra = Array.from({ length: 30 }, (_, i) => `/n${i + 1}`);
  writeFileSync(join(dir, 'compose.yaml'), compose(extra));
  const made = await killMidCreateOnce(kept, async () => {
    // The recreate ended first: back to the old configuration, the old volumes carried back over.
    writeFileSync(join(dir, 'compose.yaml'), compose());
    ok('up', '-d');
    for (const name of (await volumes()).filter((n) => !kept.includes(n))) await t!.engine.volumes.remove(name);
    writeFileSync(join(dir, 'compose.yaml'), compose(extra));
  });
  assert.ok(made.length > 0 && made.every((n) => !kept.includes(n)));

  ok('ps', '-a');
  assertNothingHalfMade();
  assert.equal(await volumes(), kept, 'the carried-over volumes stay; the new ones are gone');
  const still = await app();
  assert.is(still.id, first.id, 'the old container is left as it was');
  assert.is(ok(...READ).stdout, 'kept\nimage\n');

  ok('up', '-d');
  const now = await app();
  assert.is.not(now.id, first.id, 'recreated');
  assert.equal({ data: now.data, imgvol: now.imgvol }, { data: first.data, imgvol: first.imgvol }, 'the same volumes, by name');
  assert.is(ok(...READ).stdout, 'kept\nimage\n');
  const all = await volumes();
  assert.is(all.length, kept.length + extra.length);
  assert.ok(kept.every((n) => all.includes(n)));
  ok('down', '-v', '-t', '0');
  assert.equal(await volumes(), []);
});

s.run();
