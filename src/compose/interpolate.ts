// Stage 4: `${VAR}` substitution in every string value of a Compose tree, as
// compose-go's `template` and `interpolation` packages do it, followed by the
// casts compose-go applies to typed attributes (`read_only: ${RO}` → boolean).
import { ComposeError, formatPath, throwIfAny } from '../util/errors.js';
import type { ComposePath, SourcePos } from '../util/errors.js';
import type { Lookup } from './dotenv.js';
import { entryPos, isMap } from './source.js';
import type { ComposeMap } from './source.js';

// compose-go's pattern: `$$`, `$NAME`, `${NAME…}` or an invalid `${`.
// `[^\n]` stands for Go's `.`; the greedy default runs to the last `}` of the
// line and `closingBrace` cuts it back to the expression's own brace.
const TEMPLATE_SOURCE = String.raw`\$(?:(\$)|([_a-z][_a-z0-9]*)|\{(?:([_a-z][_a-z0-9]*(?::?[-+?][^\n]*)?)\}|()))`;
const TEMPLATE_ALL = new RegExp(TEMPLATE_SOURCE, 'gi');
const TEMPLATE_ONE = new RegExp(TEMPLATE_SOURCE, 'i');
const NAME = /^[_a-z][_a-z0-9]*/i;

/** Why a template could not be substituted. */
type TemplateFault = { kind: 'invalid' } | { kind: 'required'; name: string; reason: string };

class TemplateFailure extends Error {
  constructor(readonly fault: TemplateFault) {
    super(fault.kind);
  }
}

interface Substitution {
  lookup: Lookup;
  /** Called for a plain `$X` / `${X}` whose variable is unset. */
  unset: (name: string) => void;
}

/** `${NAME<op>arg}`: what the value becomes, given the variable and the substituted argument. */
type Operator = (value: string | undefined, arg: string, name: string) => string;

const required = (name: string, reason: string): never => {
  throw new TemplateFailure({ kind: 'required', name, reason });
};

// Two-character operators first: `${A:-x}` is `:-`, not `-` with a name `A:`.
const OPERATORS: ReadonlyArray<[string, Operator]> = [
  [':?', (v, msg, name) => (v === undefined || v === '' ? required(name, msg) : v)],
  [':-', (v, def) => (v === undefined || v === '' ? def : v)],
  [':+', (v, alt) => (v !== undefined && v !== '' ? alt : v ?? '')],
  ['?', (v, msg, name) => (v === undefined ? required(name, msg) : v)],
  ['-', (v, def) => (v === undefined ? def : v)],
  ['+', (v, alt) => (v !== undefined ? alt : '')],
];

/**
 * Index of the `}` closing the expression that starts `s`, as compose-go's
 * getFirstBraceClosingIndex counts it (a `{` also skips the character after it).
 */
function closingBrace(s: string): number {
  let open = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '}') {
      open--;
      if (open === 0) return i;
    }
    if (s[i] === '{') {
      open++;
      i++;
    }
  }
  return -1;
}

function substitute(template: string, ctx: Substitution): string {
  // String.replace collects every match before calling back, so the nested
  // calls below may reuse the same global pattern.
  return template.replace(TEMPLATE_ALL, (match) => replaceMatch(match, ctx));
}

function replaceMatch(match: string, ctx: Substitution): string {
  const close = closingBrace(match);
  const head = close > -1 ? match.slice(0, close + 1) : match;
  const rest = close > -1 ? match.slice(close + 1) : '';
  const m = TEMPLATE_ONE.exec(head);
  if (m?.[1]) return '$';
  if (m?.[2]) return plainValue(m[2], ctx);
  if (m?.[3]) return bracedValue(m[3], ctx) + substitute(rest, ctx);
  throw new TemplateFailure({ kind: 'invalid' });
}

function plainValue(name: string, ctx: Substitution): string {
  const value = ctx.lookup(name);
  if (value === undefined) ctx.unset(name);
  return value ?? '';
}

function bracedValue(expression: string, ctx: Substitution): string {
  const name = NAME.exec(expression)![0];
  const after = expression.slice(name.length);
  if (after === '') return plainValue(name, ctx);
  const [sep, apply] = OPERATORS.find(([op]) => after.startsWith(op))!;
  // Like compose-go, the argument is substituted even when it is not used.
  const arg = substitute(after.slice(sep.length), ctx);
  return apply(ctx.lookup(name), arg, name);
}

function faultMessage(fault: TemplateFault, template: string, path: ComposePath | undefined): string {
  const where = path && path.length > 0 ? `${formatPath(path)}: ` : '';
  if (fault.kind === 'required') {
    const reason = fault.reason ? `: ${fault.reason}` : '';
    return `${where}required variable ${fault.name} is missing a value${reason}`;
  }
  return `${where}invalid interpolation format ${JSON.stringify(template)}: you may need to escape any $ with another $`;
}

export interface InterpolateAt {
  pos?: SourcePos;
  path?: ComposePath;
  /** Receives `The "X" variable is not set…` for unset variables without a default. */
  warn?: (message: string) => void;
}

export function unsetWarning(name: string): string {
  return `The "${name}" variable is not set. Defaulting to a blank string.`;
}

/**
 * Substitutes `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:?err}`, `${VAR?err}`, `${VAR:+alt}`, `${VAR+alt}` (nested in the
 * argument too) and `$$` in `value`. Throws a ComposeError at `at`.
 */
export function interpolateString(value: string, lookup: Lookup, at: InterpolateAt = {}): string {
  const unset = (name: string) => at.warn?.(unsetWarning(name));
  // A lookup over a plain object answers `constructor` with a function: only strings are values.
  const safeLookup: Lookup = (name) => {
    const v = lookup(name);
    return typeof v === 'string' ? v : undefined;
  };
  try {
    return substitute(value, { lookup: safeLookup, unset });
  } catch (error) {
    if (!(error instanceof TemplateFailure)) throw error;
    throw new ComposeError(faultMessage(error.fault, value, at.path), { pos: at.pos, path: at.path, code: 'COMPOSE_INTERPOLATION' });
  }
}

// ---------------------------------------------------------------------------
// Casts: compose-go turns interpolated strings of typed attributes into
// numbers and booleans before the schema sees them (loader/interpolate.go).

type CastResult = { value: unknown } | { error: string };
type Cast = (value: string, warn: (message: string) => void) => CastResult;

const INTEGER = /^[+-]?[0-9]+$/;
const FLOAT = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$/;

const toInt: Cast = (v) => (INTEGER.test(v) ? { value: Number(v) } : { error: `expected an integer, got ${JSON.stringify(v)}` });
const toFloat: Cast = (v) => (FLOAT.test(v) ? { value: Number(v) } : { error: `expected a number, got ${JSON.stringify(v)}` });
const toBoolean: Cast = (v, warn) => {
  const lower = v.toLowerCase();
  if (lower === 'true') return { value: true };
  if (lower === 'false') return { value: false };
  const yes = ['y', 'yes', 'on'].includes(lower);
  if (yes || ['n', 'no', 'off'].includes(lower)) {
    warn(`"${v}" for boolean is not supported by YAML 1.2, please use \`${yes}\``);
    return { value: yes };
  }
  return { error: `invalid boolean: ${v}` };
};

const CASTS: ReadonlyArray<[string, Cast]> = [
  ['services.*.cpu_count', toInt],
  ['services.*.cpu_percent', toFloat],
  ['services.*.cpu_period', toInt],
  ['services.*.cpu_quota', toInt],
  ['services.*.cpu_rt_period', toInt],
  ['services.*.cpu_rt_runtime', toInt],
  ['services.*.cpus', toFloat],
  ['services.*.cpu_shares', toInt],
  ['services.*.init', toBoolean],
  ['services.*.deploy.replicas', toInt],
  ['services.*.depends_on.*.required', toBoolean],
  ['services.*.depends_on.*.restart', toBoolean],
  ['services.*.deploy.update_config.parallelism', toInt],
  ['services.*.deploy.update_config.max_failure_ratio', toFloat],
  ['services.*.deploy.rollback_config.parallelism', toInt],
  ['services.*.deploy.rollback_config.max_failure_ratio', toFloat],
  ['services.*.deploy.restart_policy.max_attempts', toInt],
  ['services.*.deploy.placement.max_replicas_per_node', toInt],
  ['services.*.healthcheck.retries', toInt],
  ['services.*.healthcheck.disable', toBoolean],
  ['services.*.oom_kill_disable', toBoolean],
  ['services.*.oom_score_adj', toInt],
  ['services.*.pids_limit', toInt],
  ['services.*.ports.*.target', toInt],
  ['services.*.privileged', toBoolean],
  ['services.*.read_only', toBoolean],
  ['services.*.scale', toInt],
  ['services.*.stdin_open', toBoolean],
  ['services.*.tty', toBoolean],
  ['services.*.ulimits.*', toInt],
  ['services.*.ulimits.*.hard', toInt],
  ['services.*.ulimits.*.soft', toInt],
  ['services.*.volumes.*.read_only', toBoolean],
  ['services.*.volumes.*.volume.nocopy', toBoolean],
  ['networks.*.external', toBoolean],
  ['networks.*.internal', toBoolean],
  ['networks.*.attachable', toBoolean],
  ['networks.*.enable_ipv4', toBoolean],
  ['networks.*.enable_ipv6', toBoolean],
  ['volumes.*.external', toBoolean],
  ['secrets.*.external', toBoolean],
  ['configs.*.external', toBoolean],
];

const CAST_PATTERNS = CASTS.map(([pattern, cast]) => ({ parts: pattern.split('.'), cast }));

function castFor(path: ComposePath): Cast | undefined {
  return CAST_PATTERNS.find(({ parts }) =>
    parts.length === path.length && parts.every((p, i) => p === '*' || p === String(path[i])))?.cast;
}

// ---------------------------------------------------------------------------

type Container = ComposeMap | unknown[];

/** Calls `visit` for every string value (never a key) of `node`, depth first. */
function eachString(node: Container, path: Array<string | number>, visit: (parent: Container, key: string | number, value: string, path: ComposePath) => void): void {
  const keys: Array<string | number> = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
  for (const key of keys) {
    const value = (node as Record<string | number, unknown>)[key];
    const at = [...path, key];
    if (typeof value === 'string') visit(node, key, value, at);
    else if (Array.isArray(value) || isMap(value)) eachString(value, at, visit);
  }
}

export interface InterpolateTreeOptions {
  warn: (message: string) => void;
}

/**
 * Substitutes variables in every string value of `tree` (in place; source
 * positions stay) and casts typed attributes. All errors are thrown together.
 */
export function interpolateTree(tree: ComposeMap, lookup: Lookup, opts: InterpolateTreeOptions): ComposeMap {
  const warned = new Set<string>();
  const warn = (message: string) => {
    if (warned.has(message)) return;
    warned.add(message);
    opts.warn(message);
  };
  const errors: ComposeError[] = [];
  eachString(tree, [], (parent, key, value, path) => {
    const pos = entryPos(parent, key);
    let result: unknown;
    try {
      result = interpolateString(value, lookup, { pos, path, warn });
    } catch (error) {
      if (!(error instanceof ComposeError)) throw error;
      errors.push(error);
      return;
    }
    const cast = castFor(path);
    if (cast) {
      const casted = cast(result as string, warn);
      if ('error' in casted) {
        errors.push(new ComposeError(`${formatPath(path)}: failed to cast to expected type: ${casted.error}`, { pos, path, code: 'COMPOSE_INTERPOLATION' }));
        return;
      }
      result = casted.value;
    }
    (parent as Record<string | number, unknown>)[key] = result;
  });
  throwIfAny(errors);
  return tree;
}

// ---------------------------------------------------------------------------

export interface ComposeVariable {
  name: string;
  required: boolean;
  defaultValue?: string;
  alternateValue?: string;
}

interface Found {
  name: string;
  required: boolean;
  defaultValue: string;
  alternateValue: string;
}

const ARGUMENT_KINDS: ReadonlyArray<[string, 'required' | 'default' | 'alternate']> = [
  [':?', 'required'], ['?', 'required'], [':-', 'default'], ['-', 'default'], [':+', 'alternate'], ['+', 'alternate'],
];

/** The variables one string uses, as compose-go's template.ExtractVariables reads them. */
function extractVariables(value: string): Found[] {
  const out: Found[] = [];
  for (const m of value.matchAll(TEMPLATE_ALL)) {
    if (m[1]) continue;
    let expression = m[2] ?? '';
    if (!expression) {
      expression = m[3] ?? '';
      const close = closingBrace(m[0]);
      if (close > 0) {
        expression = m[0].slice(2, close);
        out.push(...extractVariables(m[0].slice(close + 1)));
      }
    }
    const name = NAME.exec(expression)?.[0];
    if (!name) continue; // an invalid `${`: interpolation reports it
    const found: Found = { name, required: false, defaultValue: '', alternateValue: '' };
    const after = expression.slice(name.length);
    const kind = ARGUMENT_KINDS.find(([op]) => after.startsWith(op));
    let argument = '';
    if (kind) {
      argument = after.slice(kind[0].length);
      if (kind[1] === 'required') found.required = true;
      else if (kind[1] === 'default') found.defaultValue = argument;
      else found.alternateValue = argument;
    }
    out.push(found);
    if (argument) out.push(...extractVariables(argument));
  }
  return out;
}

/**
 * Every variable the tree uses (for `config --variables`), sorted by name. A
 * variable used several times is required if one use requires it, and keeps
 * the first default and alternate value written.
 */
export function listVariables(tree: ComposeMap): ComposeVariable[] {
  const byName = new Map<string, Found>();
  eachString(tree, [], (_parent, _key, value) => {
    for (const v of extractVariables(value)) {
      const seen = byName.get(v.name);
      if (!seen) {
        byName.set(v.name, v);
        continue;
      }
      seen.required ||= v.required;
      seen.defaultValue ||= v.defaultValue;
      seen.alternateValue ||= v.alternateValue;
    }
  });
  return [...byName.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((v) => ({
      name: v.name,
      required: v.required,
      ...(v.defaultValue ? { defaultValue: v.defaultValue } : {}),
      ...(v.alternateValue ? { alternateValue: v.alternateValue } : {}),
    }));
}
