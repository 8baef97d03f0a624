// Fixture projects from YAML text, loaded by the real loader.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProject } from '../../src/compose/load.js';
import type { StackProject } from '../../src/stack/stack-project.js';

export function loadStack(yaml: string, env: Record<string, string> = {}): StackProject {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-stack-'));
  try {
    writeFileSync(join(dir, 'compose.yaml'), yaml);
    const r = loadProject({ workingDir: dir, osEnv: env });
    if (!r.project) throw new Error('no project');
    return { project: r.project, workingDir: '/srv/demo', configFiles: ['/srv/demo/compose.yaml'], environmentFiles: [] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
