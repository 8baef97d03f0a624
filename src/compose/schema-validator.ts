// The validator of schemas/compose-spec.json. Compiling it with ajv takes
// about 300 ms, most of a short command's time, so `npm run build` compiles it
// ahead (dist/vendor/compose-spec-validator.cjs, from scripts/build.mts, run
// with V8's code cache). That one is used when it was made from this very
// schema file; otherwise (running from src, or the schema changed since the
// build) ajv compiles it now, with the same options.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { runCachedScript } from '../util/code-cache.js';
import { fromSource, packagePath } from '../util/package-files.js';
import { AJV_OPTIONS, formatDefinitions } from './schema-formats.js';

export type SchemaNode = { [key: string]: unknown };

interface Prebuilt {
  validate: ValidateFunction;
  schemaSha256: string;
}

/** The validator `npm run build` made (dist/vendor/compose-spec-validator.cjs), when there is one. */
export function loadPrebuiltValidator(file = packagePath('dist/vendor/compose-spec-validator.cjs')): Prebuilt | undefined {
  if (!existsSync(file)) return undefined;
  return runCachedScript(file, { 'tscompose:schema-formats': { formatDefinitions } }) as Prebuilt;
}

export function schemaSha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Compiles the schema now (what the build does ahead of time). */
export function compileSchemaValidator(schema: SchemaNode): ValidateFunction {
  // ajv is loaded only here: a command using the prebuilt validator never loads it.
  const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
  const ajv = new Ajv(AJV_OPTIONS);
  for (const [name, def] of Object.entries(formatDefinitions)) ajv.addFormat(name, def);
  return ajv.compile(schema);
}

let loaded: { validate: ValidateFunction; schema: SchemaNode; prebuilt: boolean } | undefined;

/** The validator and the schema it checks (error reports read the schema). */
export function schemaValidator(): { validate: ValidateFunction; schema: SchemaNode; prebuilt: boolean } {
  if (loaded) return loaded;
  const text = readFileSync(packagePath('schemas/compose-spec.json'), 'utf8');
  const schema = JSON.parse(text) as SchemaNode;
  const prebuilt = fromSource ? undefined : loadPrebuiltValidator();
  loaded = prebuilt && prebuilt.schemaSha256 === schemaSha256(text)
    ? { validate: prebuilt.validate, schema, prebuilt: true }
    : { validate: compileSchemaValidator(schema), schema, prebuilt: false };
  return loaded;
}
