// The validator compiled at build time (dist) must judge every document as
// the one ajv compiles at run time, with the same errors.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import type { ValidateFunction } from 'ajv';
import { suite } from '../harness.js';
import { parseComposeYaml } from '../../src/compose/parse.js';
import { compileSchemaValidator, loadPrebuiltValidator, schemaSha256, schemaValidator } from '../../src/compose/schema-validator.js';
import type { SchemaNode } from '../../src/compose/schema-validator.js';

const s = suite('schema-validator');

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PREBUILT = join(REPO, 'dist/vendor/compose-spec-validator.cjs');
const SCHEMA = join(REPO, 'schemas/compose-spec.json');

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...yamlFiles(full));
    else if (/\.ya?ml$/.test(name)) out.push(full);
  }
  return out;
}

/** Valid and invalid documents: the fixtures, the corpus, and a few mistakes of each kind the schema catches. */
function documents(): Array<{ name: string; doc: unknown }> {
  const files = [...yamlFiles(join(REPO, 'test/fixtures/validate')), ...yamlFiles(join(REPO, 'test/fixtures/compose')), ...yamlFiles('/work/shared/corpus')];
  const out: Array<{ name: string; doc: unknown }> = [];
  for (const file of files) {
    try {
      parseComposeYaml(readFileSync(file, 'utf8'), file).forEach((doc, i) => out.push({ name: `${file}#${i}`, doc }));
    } catch {
      // not YAML the parser accepts (error fixtures): nothing to validate
    }
  }
  const mistakes: unknown[] = [
    { services: { web: { image: 1, ports: ['80:80', 'x'], restart: 'sometimes' } } },
    { services: { web: { image: 'a', healthcheck: { interval: '5 minutes' }, expose: ['70000'] } } },
    { services: { web: { image: 'a', container_name: '-x', pull_policy: 'often', unknown: true } } },
    { services: { web: { image: 'a', ports: [{ target: 'eighty' }], dns: [1, 1], volumes: [{ type: 'bind' }] } } },
    { services: { 'bad name!': {} }, networks: { n: { driver: 1 } }, volumes: [] },
    { services: { web: { image: 'a', environment: { A: [1] }, deploy: { resources: { limits: { cpus: {} } } } } } },
    { services: { web: { image: 'a', depends_on: { db: { condition: 'soon' } }, ulimits: { nofile: { soft: 'x' } } } } },
    [],
    'services',
  ];
  mistakes.forEach((doc, i) => out.push({ name: `mistake ${i}`, doc }));
  return out;
}

async function prebuilt(): Promise<{ validate: ValidateFunction; schemaSha256: string } | undefined> {
  if (existsSync(PREBUILT)) return loadPrebuiltValidator(PREBUILT);
  const reason = `${PREBUILT} is missing: run \`npm run build\` first`;
  if (process.env.CI === 'true') throw new Error(reason);
  console.log(`schema-validator: skipped (${reason})`);
  return undefined;
}

s('the prebuilt validator is made from the current schema', async () => {
  const built = await prebuilt();
  if (!built) return;
  assert.is(built.schemaSha256, schemaSha256(readFileSync(SCHEMA, 'utf8')), 'dist is older than schemas/compose-spec.json: run `npm run build`');
});

s('the prebuilt and the runtime-compiled validators agree on every document', async () => {
  const built = await prebuilt();
  if (!built) return;
  const runtime = compileSchemaValidator(JSON.parse(readFileSync(SCHEMA, 'utf8')) as SchemaNode);
  const docs = documents();
  assert.ok(docs.length > 20, `only ${docs.length} documents found`);
  let invalid = 0;
  for (const { name, doc } of docs) {
    const a = runtime(doc);
    const b = built.validate(doc);
    assert.is(b, a, `${name}: valid?`);
    if (!a) invalid++;
    assert.equal(JSON.parse(JSON.stringify(built.validate.errors ?? null)), JSON.parse(JSON.stringify(runtime.errors ?? null)), `${name}: errors`);
  }
  assert.ok(invalid >= 9, `only ${invalid} invalid documents`);
});

s('the built CLI uses the prebuilt validator: it never loads ajv', async () => {
  if (!(await prebuilt())) return;
  // A preload that records every package require() asks for (ajv is loaded only to compile the schema).
  const dir = mkdtempSync(join(tmpdir(), 'tsc-prebuilt-'));
  try {
    writeFileSync(join(dir, 'trace.cjs'), "const M = require('node:module'); const load = M._load; const seen = [];\n"
      + "M._load = function (request, ...rest) { seen.push(request); return load.call(this, request, ...rest); };\n"
      + "process.on('exit', () => require('node:fs').writeFileSync(process.env.TRACE_OUT, seen.join('\\n')));\n");
    writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    image: busybox\n');
    const r = spawnSync(process.execPath, ['--require', join(dir, 'trace.cjs'), join(REPO, 'dist/bin.js'), 'config', '-q'],
      { cwd: dir, env: { ...process.env, TRACE_OUT: join(dir, 'seen.txt') }, encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const seen = readFileSync(join(dir, 'seen.txt'), 'utf8').split('\n');
    assert.ok(seen.length > 1, 'the preload saw no require()');
    assert.not.ok(seen.some((m) => m === 'ajv' || m.startsWith('ajv/')), seen.join(' '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s('from src the validator is compiled at run time, once', () => {
  const first = schemaValidator();
  assert.is(first.prebuilt, false);
  assert.is(schemaValidator(), first);
  assert.is(first.validate({ services: { web: { image: 'busybox' } } }), true);
});

s.run();
