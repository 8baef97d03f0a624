// The docker CLI's `--format TEMPLATE` reduced to what scripts write:
// `{{.Field}}`, `{{json .}}` and `{{json .Field}}` between text (`\t` is a tab);
// a `table ` prefix adds a header row and aligns the columns, as tabwriter
// does. Any other template action is refused, never printed as written.
import { TscError } from '../../util/errors.js';
import { renderTable } from './tabwriter.js';

type Row = Record<string, unknown>;

const ACTION = /\{\{-?\s*(.*?)\s*-?\}\}/g;

/** Rows through `format` (without its `table ` prefix when it has one). */
export function renderFieldTemplate(rows: readonly Row[], format: string, headers: Record<string, string>, typeName: string): string {
  const table = format.startsWith('table ');
  const template = (table ? format.slice('table '.length) : format).replaceAll('\\t', '\t').replaceAll('\\n', '\n');
  const fill = (valueOf: (action: string) => string) => template.replace(ACTION, (_m, action: string) => valueOf(action));
  for (const [, action] of template.matchAll(ACTION)) checkAction(action!, rows[0] ?? headers, typeName);
  const lines = rows.map((row) => fill((action) => evaluate(action, row)));
  if (!table) return lines.map((l) => `${l}\n`).join('');
  const header = fill((action) => headerOf(action, headers));
  return renderTable(header.split('\t'), lines.map((l) => l.split('\t')));
}

function checkAction(action: string, sample: Row, typeName: string): void {
  const field = /^(?:json\s+)?\.(\w*)$/.exec(action);
  if (!field) throw new TscError('CLI_USAGE', `template: unsupported action {{${action}}}: use {{.Field}}, {{json .}} or {{json .Field}}`);
  if (field[1] !== '' && !(field[1]! in sample)) throw new TscError('CLI_USAGE', `template: can't evaluate field ${field[1]} in type ${typeName}`);
}

function evaluate(action: string, row: Row): string {
  const [, json, name] = /^(json\s+)?\.(\w*)$/.exec(action)!;
  const value = name === '' ? row : row[name!];
  return json ? JSON.stringify(value) : goValue(value);
}

function headerOf(action: string, headers: Record<string, string>): string {
  const name = /\.(\w*)$/.exec(action)![1]!;
  return headers[name] ?? name.replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}

/** A value as Go's fmt prints it with %v: a slice `[a b]`, a struct `{a b}`. */
function goValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(goValue).join(' ')}]`;
  if (value !== null && typeof value === 'object') return `{${Object.values(value).map(goValue).join(' ')}}`;
  return String(value ?? '');
}
