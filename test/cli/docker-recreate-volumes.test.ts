// `--engine docker`: a recreate keeps the old container's anonymous volumes
// (the service's `- /data` and the image's VOLUME) by name, with their data,
// as Docker Compose does; `up -V` makes new ones. On a test dockerd.
// Docker's `rm -v` keeps a volume a container mounts by name, so after a
// recreate `down -v` leaves the carried-over volumes, as with Docker Compose.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { dockerSuite, type DockerTestContext } from '../engines/docker/docker-helpers.js';
import { runCli, succeeded } from './cli.js';
import { anonMounts, READ, volumeNames, WRITE } from './anon-volumes-fixture.js';
import type { CliResult } from './cli.js';

const { s, test } = dockerSuite('docker recreate volumes');

const COMPOSE = `
name: danon
services:
  app:
    build: .
    image: danon-app
    command: sleep 100000
    stop_signal: SIGKILL
    volumes:
      - /data
`;

function ok(t: DockerTestContext, dir: string, ...args: string[]): CliResult {
  return succeeded(args, runCli(['--progress', 'plain', ...args], { cwd: dir, env: t.env }));
}

const app = (t: DockerTestContext) => anonMounts(t.engine, 'danon-app-1');
const volumes = (t: DockerTestContext) => volumeNames(t.engine);

/** A project dir of COMPOSE, with an image that declares `VOLUME /imgvol`. */
function project(t: DockerTestContext): string {
  const dir = mkdtempSync(join(t.dockerd.dir, 'anon-'));
  writeFileSync(join(dir, 'compose.yaml'), COMPOSE);
  writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox:latest\nVOLUME /imgvol\n');
  return dir;
}

test('--force-recreate mounts the old anonymous volumes by name, data kept; -V makes new ones', async (t) => {
  const dir = project(t);
  ok(t, dir, 'up', '-d');
  const first = await app(t);
  assert.ok(first.data && first.imgvol && first.data !== first.imgvol, JSON.stringify(first));
  ok(t, dir, ...WRITE);

  ok(t, dir, 'up', '-d', '--force-recreate');
  const second = await app(t);
  assert.is.not(second.id, first.id);
  assert.equal({ data: second.data, imgvol: second.imgvol }, { data: first.data, imgvol: first.imgvol });
  assert.is(ok(t, dir, ...READ).stdout, 'kept\nimage\n');
  assert.equal(await volumes(t), [first.data, first.imgvol].sort());

  ok(t, dir, 'up', '-d', '-V', '--force-recreate');
  const third = await app(t);
  assert.ok(third.data && third.data !== first.data && third.imgvol !== first.imgvol, JSON.stringify(third));
  assert.is(runCli(['exec', '-T', 'app', 'cat', '/data/f'], { cwd: dir, env: t.env }).code, 1);
  assert.equal(await volumes(t), [first.data, first.imgvol, third.data, third.imgvol].sort(), 'the old ones are left, as Compose leaves them');

  ok(t, dir, 'down', '-v', '-t', '0');
  assert.equal(await volumes(t), [first.data, first.imgvol].sort());
  for (const name of [first.data, first.imgvol]) await t.engine.volumes.remove(name);
});

test('down -v after a recreate: Docker keeps the volumes the container mounts by name (as with Docker Compose)', async (t) => {
  const dir = project(t);
  ok(t, dir, 'up', '-d');
  const first = await app(t);
  ok(t, dir, 'up', '-d', '--force-recreate');
  ok(t, dir, 'down', '-v', '-t', '0');
  assert.equal(await volumes(t), [first.data, first.imgvol].sort());
  for (const name of [first.data, first.imgvol]) await t.engine.volumes.remove(name);
});

s.run();
