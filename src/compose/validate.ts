// Stage 5: checks one Compose file (after interpolation, before short syntax
// is made long) against schemas/compose-spec.json and reports every problem at
// once, each at the line and column the user wrote, in plain words.
import type { ErrorObject } from 'ajv';
import { ComposeError, formatPath, throwIfAny } from '../util/errors.js';
import type { ComposePath } from '../util/errors.js';
import { locate, tagOf } from './source.js';
import type { ComposeMap } from './source.js';
import { FORMATS, uninterpolated } from './schema-formats.js';
import { schemaValidator } from './schema-validator.js';
import type { SchemaNode } from './schema-validator.js';

/**
 * Validates one Compose file's tree. Throws a `ComposeError` (one problem) or
 * `ComposeErrors` (several), sorted by line, each naming the Compose path.
 */
export function validateComposeTree(tree: ComposeMap, file: string): void {
  const { validate, schema } = schemaValidator();
  if (validate(tree)) return;
  const issues = collapseIssues(describeErrors(tree, prune(schema, tree, validate.errors ?? [])));
  const errors = issues.map((issue) => new ComposeError(issue.message, {
    pos: locate(tree, issue.path, issue.atKey) ?? { file, line: 1, column: 1 },
    path: issue.path,
    code: 'COMPOSE_SCHEMA',
  }));
  errors.sort((a, b) => (a.pos!.line - b.pos!.line) || (a.pos!.column - b.pos!.column));
  throwIfAny(errors);
}

// ---------------------------------------------------------------------------
// ajv errors → issues

interface RawError {
  error: ErrorObject;
  path: ComposePath;
  pointer: string;
}

interface Issue {
  path: ComposePath;
  /** Position at the key (unknown keys) rather than at the value. */
  atKey: boolean;
  message: string;
  /** Lower wins when several issues are found for one path. */
  rank: number;
  /** For `required`: the missing keys, merged per path. */
  missing?: string[];
}

function toComposePath(tree: unknown, pointer: string): ComposePath {
  const out: Array<string | number> = [];
  let node: unknown = tree;
  if (pointer === '') return out;
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const key: string | number = Array.isArray(node) ? Number(part) : part;
    out.push(key);
    node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[key] : undefined;
  }
  return out;
}

/** A value written `!reset` is removed before merging: Compose does not validate it. */
function underReset(tree: unknown, path: ComposePath): boolean {
  let node: unknown = tree;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return false;
    if (tagOf(node, part) === '!reset') return true;
    node = (node as Record<string | number, unknown>)[part];
  }
  return false;
}

type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'null' | 'array' | 'object';

function jsonType(value: unknown): JsonType {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'string' || typeof value === 'boolean') return typeof value as JsonType;
  return 'object';
}

function accepts(types: readonly string[] | undefined, value: unknown): boolean {
  if (!types) return true;
  const t = jsonType(value);
  return types.includes(t) || (t === 'integer' && types.includes('number'));
}

function resolveRef(root: SchemaNode, node: SchemaNode): SchemaNode {
  let current = node;
  for (let i = 0; i < 10 && typeof current.$ref === 'string'; i++) {
    const ref = current.$ref as string;
    if (!ref.startsWith('#/')) break;
    let target: unknown = root;
    for (const part of ref.slice(2).split('/')) target = (target as SchemaNode | undefined)?.[part];
    if (!target || typeof target !== 'object') break;
    current = target as SchemaNode;
  }
  return current;
}

/** The JSON types a (sub)schema accepts; `undefined` when it does not say. */
function typesOf(root: SchemaNode, node: SchemaNode): string[] | undefined {
  const s = resolveRef(root, node);
  if (typeof s.type === 'string') return [s.type];
  if (Array.isArray(s.type)) return s.type as string[];
  const branches = (s.oneOf ?? s.anyOf) as SchemaNode[] | undefined;
  if (!branches) return undefined;
  const all = new Set<string>();
  for (const b of branches) {
    const t = typesOf(root, b);
    if (!t) return undefined;
    t.forEach((x) => all.add(x));
  }
  return [...all];
}

function within(pointer: string, base: string): boolean {
  return pointer === base || pointer.startsWith(`${base}/`);
}

/**
 * Removes ajv's oneOf/anyOf noise. ajv reports the failures of every branch,
 * then the oneOf itself. The branch whose type fits the value is the one the
 * user meant: keep its errors and drop the others' type errors. When no branch
 * fits, all of it becomes one type error listing every accepted type.
 */
function prune(schema: SchemaNode, tree: unknown, errors: ErrorObject[]): RawError[] {
  const list: Array<RawError | undefined> = errors.map((error) => ({ error, path: toComposePath(tree, error.instancePath), pointer: error.instancePath }));
  list.forEach((entry, k) => {
    if (!entry) return;
    const { error } = entry;
    if (error.keyword !== 'oneOf' && error.keyword !== 'anyOf') return;
    const branches = (error.schema as SchemaNode[]).map((b) => typesOf(schema, b));
    const fits = branches.some((t) => accepts(t, error.data));
    const span: number[] = [];
    for (let i = 0; i < k; i++) if (list[i] && within(list[i]!.pointer, entry.pointer)) span.push(i);
    if (!fits) {
      span.forEach((i) => (list[i] = undefined));
      const all = [...new Set(branches.flatMap((t) => t ?? []))];
      list[k] = { ...entry, error: { ...error, keyword: 'type', schema: all, params: { type: all.join(',') } } };
      return;
    }
    let left = 0;
    for (const i of span) {
      const e = list[i]!.error;
      if (e.keyword === 'type' && list[i]!.pointer === entry.pointer && !accepts(typeList(e.schema), e.data)) list[i] = undefined;
      else left++;
    }
    if (left > 0) list[k] = undefined;
  });
  return list.filter((e): e is RawError => e !== undefined);
}

function typeList(schema: unknown): string[] {
  return Array.isArray(schema) ? (schema as string[]) : [String(schema)];
}

const ARTICLE: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  null: 'null',
  array: 'a list',
  object: 'a mapping',
};

function describeTypes(types: readonly string[]): string {
  const order = ['string', 'number', 'integer', 'boolean', 'array', 'object', 'null'];
  let list = [...new Set(types)].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  if (list.includes('number')) list = list.filter((t) => t !== 'integer');
  const words = list.map((t) => ARTICLE[t] ?? t);
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

function describeValue(value: unknown): string {
  const t = jsonType(value);
  return t === 'integer' ? ARTICLE.number! : ARTICLE[t]!;
}

function quote(value: unknown): string {
  return typeof value === 'object' && value !== null ? describeValue(value) : JSON.stringify(value) ?? String(value);
}

/** What the user may write as names under a pattern-keyed mapping. */
const NAME_RULES: Record<string, string> = {
  '^[a-zA-Z0-9._-]+$': 'letters, digits, ".", "_" and "-"',
  '^[a-z]+$': 'lowercase letters',
};

function where(path: ComposePath): string {
  return path.length === 0 ? '' : `${formatPath(path)}: `;
}

/** Builds one issue from an ajv error, or none for errors that do not apply. */
function describeErrors(tree: unknown, errors: RawError[]): Issue[] {
  const issues: Issue[] = [];
  for (const { error, path } of errors) {
    if (underReset(tree, path)) continue;
    const issue = describeError(error, path);
    if (issue && !underReset(tree, issue.path)) issues.push(issue);
  }
  return issues;
}

function describeError(error: ErrorObject, path: ComposePath): Issue | undefined {
  const data = error.data;
  const at = where(path);
  switch (error.keyword) {
    case 'type':
      return { path, atKey: false, rank: 0, message: `${at}expected ${describeTypes(typeList(error.schema))}, got ${describeValue(data)}` };
    case 'additionalProperties':
      return unknownKey(error, path);
    case 'required': {
      const key = String((error.params as { missingProperty: string }).missingProperty);
      return { path, atKey: false, rank: 2, message: '', missing: [key] };
    }
    case 'enum':
      if (uninterpolated(data)) return undefined;
      return { path, atKey: false, rank: 3, message: `${at}expected one of ${(error.schema as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${quote(data)}` };
    case 'format': {
      const check = FORMATS[String(error.schema)]?.check;
      const problem = check?.(data as string | number) ?? `not a valid ${String(error.schema)}: ${quote(data)}`;
      return { path, atKey: false, rank: 3, message: `${at}${problem}` };
    }
    case 'pattern':
      if (uninterpolated(data)) return undefined;
      return { path, atKey: false, rank: 3, message: `${at}${quote(data)} does not match the pattern ${String(error.schema)}` };
    case 'minimum':
    case 'exclusiveMinimum':
      return { path, atKey: false, rank: 4, message: `${at}expected at least ${String(error.schema)}, got ${quote(data)}` };
    case 'maximum':
    case 'exclusiveMaximum':
      return { path, atKey: false, rank: 4, message: `${at}expected at most ${String(error.schema)}, got ${quote(data)}` };
    case 'uniqueItems': {
      const { i, j } = error.params as { i: number; j: number };
      const later = Math.max(i, j);
      const item = (data as unknown[])[later];
      const what = typeof item === 'object' && item !== null ? 'this entry' : quote(item);
      return { path: [...path, later], atKey: false, rank: 5, message: `${formatPath([...path, later])}: ${what} is listed twice (first at [${Math.min(i, j)}])` };
    }
    case 'oneOf':
    case 'anyOf':
      return { path, atKey: false, rank: 9, message: `${at}does not match any allowed form` };
    default:
      return { path, atKey: false, rank: 8, message: `${at}${error.message ?? 'is not valid'}` };
  }
}

function unknownKey(error: ErrorObject, path: ComposePath): Issue {
  const key = String((error.params as { additionalProperty: string }).additionalProperty);
  const parent = (error.parentSchema ?? {}) as SchemaNode;
  const known = Object.keys((parent.properties ?? {}) as SchemaNode);
  const keyPath = [...path, key];
  if (known.length === 0 && parent.patternProperties) {
    const pattern = Object.keys(parent.patternProperties as SchemaNode).find((p) => p !== '^x-') ?? '';
    const rule = NAME_RULES[pattern] ?? `names matching ${pattern}`;
    return { path: keyPath, atKey: true, rank: 1, message: `${where(path)}invalid name ${JSON.stringify(key)} (use ${rule})` };
  }
  const close = closestKey(key, known);
  const hint = close ? ` (did you mean ${JSON.stringify(close)}?)` : '';
  const subject = path.length === 0 ? 'unknown top-level key' : `${formatPath(path)}: unknown key`;
  return { path: keyPath, atKey: true, rank: 1, message: `${subject} ${JSON.stringify(key)}${hint}` };
}

/**
 * The known key nearest to `key` by edit distance, when it is close enough to
 * be a typo, else a known key that `key` starts (`project_dir` → `project_directory`).
 */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const typed = key.toLowerCase();
  const limit = typed.length <= 3 ? 1 : typed.length <= 5 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of [...known].sort()) {
    const d = editDistance(typed, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best === undefined && typed.length >= 4) best = [...known].sort().find((k) => k.startsWith(typed));
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** One issue per path: the most useful one; missing required keys are listed together. */
function collapseIssues(issues: Issue[]): Issue[] {
  const byPath = new Map<string, Issue>();
  for (const issue of issues) {
    const id = `${issue.atKey ? 'key:' : ''}${formatPath(issue.path)}`;
    const seen = byPath.get(id);
    if (seen && seen.missing && issue.missing) {
      seen.missing.push(...issue.missing.filter((k) => !seen.missing!.includes(k)));
    } else if (!seen || issue.rank < seen.rank) {
      byPath.set(id, { ...issue, missing: issue.missing ? [...issue.missing] : undefined });
    }
  }
  return [...byPath.values()].map((issue) => {
    if (!issue.missing) return issue;
    const keys = issue.missing.map((k) => JSON.stringify(k));
    const list = keys.length === 1 ? `key ${keys[0]}` : `keys ${keys.slice(0, -1).join(', ')} and ${keys[keys.length - 1]}`;
    return { ...issue, message: `${where(issue.path)}missing required ${list}` };
  });
}
