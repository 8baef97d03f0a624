import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { applyIncludes } from '../../src/compose/include.js';
import type { IncludeProjectOptions } from '../../src/compose/include.js';
import { mergeTrees } from '../../src/compose/merge.js';
import { parseComposeYaml } from '../../src/compose/parse.js';
import { locate } from '../../src/compose/source.js';
import type { ComposeMap } from '../../src/compose/source.js';
import { ComposeError, ComposeErrors } from '../../src/util/errors.js';
import { errorOf } from './errors.js';

const s = suite('include');
const FIXTURES = fileURLToPath(new URL('../fixtures/include/', import.meta.url));

function plain(value: unknown): any {
  return JSON.parse(JSON.stringify(value));
}


/** Reads `KEY=VALUE` lines. */
function readEnv(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

/**
 * A small stand-in for the loader's callback: the project's `.env` (or the
 * given env files), `${VAR}` substitution, parse, nested includes, merge.
 */
function loadProject(calls: Array<{ files: string[]; opts: IncludeProjectOptions }> = []) {
  const load = (files: string[], opts: IncludeProjectOptions): ComposeMap => {
    calls.push({ files, opts });
    const envFiles = opts.envFiles ?? [join(opts.projectDir, '.env')].filter((f) => existsSync(f));
    const env = Object.assign({}, ...envFiles.map(readEnv)) as Record<string, string>;
    let merged: ComposeMap | undefined;
    for (const file of files) {
      const text = readFileSync(file, 'utf8').replace(/\$\{(\w+)\}/g, (_, name: string) => env[name] ?? '');
      const tree = applyIncludes(parseComposeYaml(text, file)[0]!, file, load);
      merged = merged ? mergeTrees(merged, tree) : tree;
    }
    return merged!;
  };
  return load;
}

function parse(file: string, text?: string): ComposeMap {
  return parseComposeYaml(text ?? readFileSync(file, 'utf8'), file)[0]!;
}

s('includes a project: its resources join, paths resolved against its directory, own .env', () => {
  const file = FIXTURES + 'main/compose.yaml';
  const calls: Array<{ files: string[]; opts: IncludeProjectOptions }> = [];
  const out = applyIncludes(parse(file), file, loadProject(calls));
  const tree = plain(out);
  assert.not.ok('include' in tree);
  assert.equal(Object.keys(tree.services), ['web', 'db', 'cache']);
  assert.equal(tree.services.db, {
    image: 'db:from-inc',
    build: { context: FIXTURES + 'inc/db' },
    volumes: [{ type: 'bind', source: FIXTURES + 'inc/data', target: '/var/lib/db' }],
  });
  assert.equal(tree.services.cache.env_file, [{ path: FIXTURES + 'inc/nested/cache.env', required: false }]);
  assert.equal(tree.networks, { back: {} });
  assert.equal(tree.volumes, { shared: { driver: 'local' } });
  assert.equal(calls[0], { files: [FIXTURES + 'inc/compose.yaml'], opts: { projectDir: FIXTURES + 'inc' } });
  // imported entries point at the file that defined them
  assert.equal(locate(out, ['services', 'db', 'image'])?.file, FIXTURES + 'inc/compose.yaml');
});

s('string form, project_directory and env_file', () => {
  const file = FIXTURES + 'main/alt.yaml';
  const calls: Array<{ files: string[]; opts: IncludeProjectOptions }> = [];
  const tree = parse(file, 'include:\n  - ../other/compose.yaml\n  - path: [../inc/nested/compose.yaml]\n    project_directory: ../inc\n    env_file: [../inc/custom.env]\n');
  const out = plain(applyIncludes(tree, file, loadProject(calls)));
  assert.equal(Object.keys(out.services), ['db', 'cache']);
  assert.equal(calls.map((c) => c.opts), [
    { projectDir: FIXTURES + 'other' },
    { projectDir: FIXTURES + 'inc', envFiles: [FIXTURES + 'inc/custom.env'] },
  ]);
  // relative paths of the second include resolve against its project_directory
  assert.equal(out.services.cache.env_file, [{ path: FIXTURES + 'inc/cache.env', required: false }]);
});

// compose-go loader/include.go importResource (≥ 2.10): a resource defined again is merged, the definition already there winning.
s('the including file overrides an included service: merged, its own values winning', () => {
  const file = FIXTURES + 'main/conflict.yaml';
  const tree = parse(file, 'include:\n  - path: [../other/compose.yaml]\nservices:\n  db:\n    image: mine\n    environment: {A: "1"}\nvolumes:\n  shared:\n    driver: local\n');
  const out = applyIncludes(tree, file, loadProject());
  assert.equal(out.services, { db: { image: 'mine', environment: { A: '1' } } });
});

s('of two includes defining one service, the first one wins where they differ', () => {
  const file = FIXTURES + 'main/two.yaml';
  const tree = parse(file, 'include:\n  - path: [../inc/compose.yaml]\n  - path: [../other/compose.yaml]\n');
  const out = applyIncludes(tree, file, loadProject());
  assert.match(String((out.services as Record<string, { image: string }>).db.image), /^db:/);
});

s('a missing included file or env file is an error at its entry', () => {
  const file = FIXTURES + 'main/missing.yaml';
  const tree = parse(file, 'include:\n  - path: [../nope.yaml]\n  - path: [../other/compose.yaml]\n    env_file: [nope.env]\n');
  const msg = errorOf(() => applyIncludes(tree, file, loadProject()));
  assert.equal(msg.split('\n'), [
    'test/fixtures/include/main/missing.yaml:2:12: include[0].path[0]: file "../nope.yaml" not found',
    'test/fixtures/include/main/missing.yaml:4:16: include[1].env_file[0]: env file "nope.env" not found',
  ]);
});

s('an include cycle is an error', () => {
  const file = FIXTURES + 'cycle/a.yaml';
  const msg = errorOf(() => applyIncludes(parse(file), file, loadProject()));
  assert.match(msg, /b\.yaml:2:5: include cycle: test\/fixtures\/include\/cycle\/a\.yaml → test\/fixtures\/include\/cycle\/b\.yaml → test\/fixtures\/include\/cycle\/a\.yaml$/);
});

s('a tree without include is returned as is', () => {
  const tree = { services: {} };
  assert.is(applyIncludes(tree, '/x/compose.yaml', loadProject()), tree);
});

s.run();
