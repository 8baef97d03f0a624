// A Compose project brought up with the built CLI in a temporary directory and
// state root, for suites that look at running containers; cleaned up after.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeTestEngine, openTestEngine } from '../engines/embedded/engine-helpers.js';
import type { TestEngine } from '../engines/embedded/engine-helpers.js';
import { runCli } from './cli.js';
import type { CliResult } from './cli.js';

export interface ProjectFixture {
  t: TestEngine;
  dir: string;
  cli: (...args: string[]) => CliResult;
}

/** A temporary directory with `files` and a state root of its own; nothing brought up yet. */
export async function openProject(prefix: string, files: Record<string, string> = {}, env: Record<string, string> = {}): Promise<ProjectFixture> {
  const t = await openTestEngine();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const cli = (...args: string[]) => runCli(['--progress', 'quiet', ...args], { cwd: dir, env: { TSCOMPOSE_ROOT: t.root, ...env } });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { t, dir, cli };
}

/** Writes `files` (compose.yaml and what it needs), runs `up -d`; throws with its stderr when that fails. */
export async function upProject(prefix: string, files: Record<string, string>, env: Record<string, string> = {}): Promise<ProjectFixture> {
  const fixture = await openProject(prefix, files, env);
  const up = fixture.cli('up', '-d');
  if (up.code !== 0) {
    await downProject(fixture);
    throw new Error(`up -d failed:\n${up.stderr}`);
  }
  return fixture;
}

export async function downProject(f: ProjectFixture | undefined): Promise<void> {
  if (!f) return;
  try {
    f.cli('down', '--volumes', '-t', '0');
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
    await closeTestEngine(f.t);
  }
}
