// A state file that cannot be read is the user's to know about, by name and
// with the fix, never as a SyntaxError; `quarantine` moves such a file aside
// to <root>/quarantine/<its path under the root>, keeping it as it was.
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { readJson } from '../../../util/atomic-file.js';
import { TscError } from '../../../util/errors.js';

export const isJsonObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The fix for any damaged state file the engine cannot rebuild by itself. */
export const REPAIR_FIX = 'run `tscompose system doctor --repair` to move it aside and rebuild what can be rebuilt';

export function damagedFileError(path: string, reason: string, fix = REPAIR_FIX): TscError {
  return new TscError('STATE_DAMAGED', `${path} is damaged (${reason}): ${fix}`);
}

/** The parsed JSON at `path` (undefined: no such file); a STATE_DAMAGED error when it is not JSON or `valid` refuses it. */
export function readStateJson<T>(path: string, valid: (v: unknown) => boolean = () => true, fix?: string): T | undefined {
  let value: unknown;
  try {
    value = readJson<unknown>(path);
  } catch (error) {
    if (error instanceof SyntaxError) throw damagedFileError(path, `invalid JSON: ${error.message}`, fix);
    throw error;
  }
  if (value !== undefined && !valid(value)) throw damagedFileError(path, 'fields are missing', fix);
  return value as T | undefined;
}

/** Moves `path` (under `root`) to <root>/quarantine/<same path>, never over an earlier one; returns where it went. */
export function quarantine(root: string, path: string): string {
  const base = join(root, 'quarantine', relative(root, path));
  mkdirSync(dirname(base), { recursive: true, mode: 0o700 });
  let target = base;
  for (let n = 1; existsSync(target); n++) target = `${base}.${n}`;
  renameSync(path, target);
  return target;
}
