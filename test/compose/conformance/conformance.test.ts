// Runs the loader conformance cases (cases.ts): each in its own temporary
// project directory named `conformance-project`, loaded as `config` would.
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { suite } from '../../harness.js';
import { loadProject } from '../../../src/compose/load.js';
import { escapeDollars, renderYaml } from '../../../src/compose/render.js';
import { ComposeError, ComposeErrors, TscError } from '../../../src/util/errors.js';
import { CASES } from './cases.js';
import type { ConformanceCase } from './cases.js';

const s = suite('conformance');
const root = mkdtempSync(join(tmpdir(), 'tsc-conformance-'));
console.log(`loader conformance: ${CASES.length} cases (compose-go expectations)`);

function valueAt(tree: unknown, path: string): unknown {
  let node: unknown = tree;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    if (part === 'length' && Array.isArray(node)) return node.length;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function plain(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function messageOf(error: unknown): string {
  if (error instanceof ComposeError || error instanceof ComposeErrors) return error.format();
  if (error instanceof TscError) return error.message;
  throw error;
}

function run(c: ConformanceCase, index: number): void {
  const dir = join(root, String(index), 'conformance-project');
  for (const [file, text] of Object.entries(c.files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  const load = () => loadProject({
    workingDir: dir,
    files: c.composeFiles?.map((f) => join(dir, f)),
    projectName: c.projectName,
    osEnv: c.env ?? {},
    interpolate: c.interpolate,
    normalize: c.normalize,
    selectServices: c.selectServices,
    warn: () => {},
  });
  if (c.error) {
    let message: string | undefined;
    try {
      load();
    } catch (error) {
      message = messageOf(error).replaceAll(`${dir}/`, '');
    }
    assert.ok(message !== undefined, `${c.name}: expected an error (${c.follows})`);
    assert.match(message!, c.error, `${c.name} (${c.follows})`);
    return;
  }
  const result = load();
  for (const [path, expected] of Object.entries(c.values ?? {})) {
    const want = typeof expected === 'string' ? expected.replaceAll('$DIR', dir) : expected;
    assert.equal(plain(valueAt(result.tree, path)), want, `${c.name}: ${path} (${c.follows})`);
  }
  for (const path of c.absent ?? []) {
    assert.is(valueAt(result.tree, path), undefined, `${c.name}: ${path} is absent (${c.follows})`);
  }
  if (c.yaml) {
    const text = c.interpolate === false ? renderYaml(result.tree) : escapeDollars(renderYaml(result.tree));
    for (const part of c.yaml) assert.ok(text.includes(part), `${c.name}: config prints ${JSON.stringify(part)} (${c.follows})\n${text}`);
  }
}

CASES.forEach((c, i) => s(`${c.name} [${c.follows}]`, () => run(c, i)));

s.after(() => rmSync(root, { recursive: true, force: true }));

s.run();
