// The records the agent's services rescan: those that concern them, with the
// others' configs judged once (the agent's memory at 300 containers).
import { suite } from '../../harness.js';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerSpec } from '../../../src/engine/types.js';
import { ConcernedRecords } from '../../../src/engines/embedded/agent/concerned-records.js';
import { hasRestartPolicy } from '../../../src/engines/embedded/restart/policy.js';
import { commitRecord, createRecord, removeRecord, renameRecord, updateState } from '../../../src/engines/embedded/state/containers.js';
import { openStateRoot, type StateRoot } from '../../../src/engines/embedded/state/root.js';

const ctx: { dir?: string; root?: StateRoot } = {};
const s = suite('agent: concerned records');
s.before.each(() => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'tsc-agentrec-'));
  ctx.root = openStateRoot(join(ctx.dir, 'root'));
});
s.after.each(() => { if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true }); });

async function made(name: string, restart?: ContainerSpec['restartPolicy']): Promise<string> {
  const spec: ContainerSpec = { name, image: 'busybox', labels: {}, env: {}, ...(restart ? { restartPolicy: restart } : {}) };
  const record = await createRecord(ctx.root!, { spec });
  await commitRecord(ctx.root!, record.config.id);
  return record.config.id;
}

s('lists only the containers whose config concerns the service, each read afresh; the others are judged once', async () => {
  let judged = 0;
  const records = new ConcernedRecords(ctx.root!, (config) => {
    judged++;
    return hasRestartPolicy(config.spec.restartPolicy);
  });
  const always = await made('ra', { name: 'always' });
  await made('rb');
  await made('rc', { name: 'no' });
  assert.equal(records.list().map((r) => r.config.name), ['ra']);
  assert.is(judged, 3);
  assert.is(records.skipped, 2);

  await updateState(ctx.root!, always, (st) => ({ ...st, status: 'running' }));
  renameRecord(ctx.root!, always, 'ra2');
  const again = records.list();
  assert.equal(again.map((r) => [r.config.name, r.state.status]), [['ra2', 'running']], 'its state and config as they are now');
  assert.is(judged, 4, 'only the concerned one is judged again');
});

s('a container being created is not listed until committed; a removed one is forgotten', async () => {
  const records = new ConcernedRecords(ctx.root!, () => true);
  const pending = await createRecord(ctx.root!, { spec: { name: 'pp', image: 'busybox', labels: {}, env: {} } });
  assert.equal(records.list(), []);
  await commitRecord(ctx.root!, pending.config.id);
  assert.equal(records.list().map((r) => r.config.name), ['pp']);

  const skipper = new ConcernedRecords(ctx.root!, () => false);
  skipper.list();
  assert.is(skipper.skipped, 1);
  removeRecord(ctx.root!, pending.config.id);
  assert.equal(skipper.list(), []);
  assert.is(skipper.skipped, 0, 'no memory kept for a container that is gone');
});

s.run();
