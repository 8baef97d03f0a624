// Container name → id: one file per name under containers/.names, created
// with link(2) so that two commands can never claim the same name.
import { linkSync, mkdirSync, readFileSync, readdirSync, unlinkSync } from 'node:fs';
import { writeNewFile } from '../../../util/disk-reserve.js';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { removeIfStill } from './remove-if.js';
import type { StateRoot } from './root.js';

export function namesDir(root: StateRoot): string {
  return join(root.containers, '.names');
}

/** Claims `name` for `id`; returns the id that holds it already, or undefined on success. */
export function claimName(root: StateRoot, name: string, id: string): string | undefined {
  const dir = namesDir(root);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  writeNewFile(tmp, id, 0o600);
  try {
    linkSync(tmp, join(dir, name));
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return lookupName(root, name) ?? claimName(root, name, id);
  } finally {
    unlinkSync(tmp);
  }
}

export function lookupName(root: StateRoot, name: string): string | undefined {
  try {
    return readFileSync(join(namesDir(root), name), 'utf8').trim() || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Releases `name` if it still belongs to `id` (a name reused meanwhile is left alone; state/remove-if.ts). */
export function releaseName(root: StateRoot, name: string, id: string): void {
  const path = join(namesDir(root), name);
  if (lookupName(root, name) !== id) return;
  removeIfStill(path, id, () => lookupName(root, name) === id);
}

/** Every claimed name with its id (temporary files left by a killed command are skipped). */
export function listNames(root: StateRoot): Array<{ name: string; id: string }> {
  let entries: string[];
  try {
    entries = readdirSync(namesDir(root));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const out: Array<{ name: string; id: string }> = [];
  for (const name of entries) {
    if (name.startsWith('.')) continue; // temporary files
    const id = lookupName(root, name);
    if (id) out.push({ name, id });
  }
  return out;
}
