// A small Compose-labelled stack made through the engine API (as `up` would),
// for the tests that run the read-only commands as a user does.
import type { ContainerSpec } from '../../src/engine/types.js';
import { containerName, LABEL } from '../../src/stack/labels.js';
import { closeTestEngine, openTestEngine, type TestEngine } from '../engines/embedded/engine-helpers.js';
import { runCli, type CliResult } from './cli.js';

export const PROJECT = `tscli${process.pid}`;

export function composeSpec(service: string, number: number, partial: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    name: containerName(PROJECT, service, number),
    image: 'busybox:latest',
    env: {},
    ...partial,
    labels: {
      [LABEL.project]: PROJECT,
      [LABEL.service]: service,
      [LABEL.containerNumber]: String(number),
      [LABEL.oneoff]: 'False',
      [LABEL.configFiles]: '/srv/demo/compose.yaml',
      ...partial.labels,
    },
  };
}

export interface Stack extends TestEngine {
  cli(...args: string[]): CliResult;
}

export async function openStack(): Promise<Stack> {
  const t = await openTestEngine();
  return { ...t, cli: (...args) => runCli(['--root', t.root, '-p', PROJECT, ...args], { cwd: t.root }) };
}

export async function closeStack(stack: Stack | undefined): Promise<void> {
  await closeTestEngine(stack);
}

/** Creates and starts; resolves with the ID. */
export async function run(stack: Stack, spec: ContainerSpec): Promise<string> {
  const id = await stack.engine.containers.create(spec);
  await stack.engine.containers.start(id);
  return id;
}
