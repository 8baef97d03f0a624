// `KEY=VALUE` lists (environment, labels, build args, sysctls...) and the
// values of their mapping form.
import type { KeyValueMap } from '../types.js';
import { ShortSyntaxError } from './errors.js';

export class KeyValueSyntaxError extends ShortSyntaxError {}

/** `KEY=VAL` → `['KEY', 'VAL']`; a bare `KEY` → `['KEY', null]` (or an error when a value is required). */
export function splitKeyValue(entry: string, opts: { requireValue?: boolean } = {}): [string, string | null] {
  const eq = entry.indexOf('=');
  if (eq < 0) {
    if (opts.requireValue) throw new KeyValueSyntaxError(`expected KEY=VALUE, got "${entry}"`);
    return [entry, null];
  }
  return [entry.slice(0, eq), entry.slice(eq + 1)];
}

/** A list of `KEY=VAL` / `KEY` as a map; a later entry for the same key wins. */
export function parseKeyValueList(entries: readonly unknown[], opts: { requireValue?: boolean } = {}): KeyValueMap {
  const out: KeyValueMap = {};
  for (const entry of entries) {
    const [key, value] = splitKeyValue(scalarText(entry), opts);
    out[key] = value;
  }
  return out;
}

/**
 * A value of the mapping form as Compose keeps it: numbers and booleans
 * become their text (`1` → `"1"`), null stays null (unset). Anything else
 * is returned as is, for the schema to reject.
 */
export function keyValueText(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return value;
}

function scalarText(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}
