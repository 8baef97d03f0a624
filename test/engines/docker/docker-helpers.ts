// Shared by the Docker backend suites: one test dockerd per suite (started
// before its tests, stopped after, even on failure), the Docker engine over
// it, and the busybox image made offline and moved over as Docker would:
// the embedded store's `image save` archive, loaded through /images/load.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDockerEngine, type DockerEngine } from '../../../src/engines/docker/engine.js';
import { parseDockerHost } from '../../../src/engines/docker/host.js';
import { ImageStore } from '../../../src/engines/embedded/images/store.js';
import { importBusybox } from '../../fixtures/images/busybox.js';
import { requireHost } from '../../host.js';
import { suite } from '../../harness.js';
import { missingForDockerd, startTestDockerd, stopTestDockerd, type TestDockerd } from './dockerd.js';

export interface DockerTestContext {
  dockerd: TestDockerd;
  engine: DockerEngine;
  /** Environment for the CLI: TSCOMPOSE_ENGINE=docker and DOCKER_HOST of the test dockerd. */
  env: Record<string, string>;
}

/** Writes a docker-archive of busybox:latest with the embedded image store (as `tscompose image save` does). */
export async function busyboxArchive(file: string): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'tsc-bbstore-'));
  try {
    const store = new ImageStore({ root });
    await importBusybox(store, 'busybox:latest');
    await store.save(['busybox:latest'], file);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export async function openDockerTest(): Promise<DockerTestContext> {
  const dockerd = await startTestDockerd();
  const lockDir = join(dockerd.dir, 'locks');
  const engine = createDockerEngine({ endpoint: parseDockerHost(dockerd.host), lockDir });
  try {
    const archive = join(dockerd.dir, 'busybox.tar');
    await busyboxArchive(archive);
    const loaded = await engine.images.load(archive);
    if (!loaded.includes('busybox:latest')) throw new Error(`busybox not loaded: ${loaded.join(', ')}`);
  } catch (error) {
    await engine.close();
    await stopTestDockerd(dockerd);
    throw error;
  }
  return { dockerd, engine, env: { TSCOMPOSE_ENGINE: 'docker', DOCKER_HOST: dockerd.host, TMPDIR: dockerd.dir } };
}

export async function closeDockerTest(t: DockerTestContext | undefined): Promise<void> {
  if (!t) return;
  await t.engine.close().catch(() => undefined);
  await stopTestDockerd(t.dockerd);
}

/** A suite over one test dockerd: its tests run only when the host can start one (requireHost says why not). */
export function dockerSuite(name: string) {
  const s = suite(name);
  let t: DockerTestContext | undefined;
  const gate = requireHost(s, `${name} tests`, missingForDockerd());
  const ready = gate.ready;
  s.before(async () => {
    if (ready) t = await openDockerTest();
  });
  s.after(async () => {
    await closeDockerTest(t);
  });
  const test = (title: string, fn: (t: DockerTestContext) => Promise<void>) => gate.test(title, async () => fn(t!));
  return { s, test, ready };
}
