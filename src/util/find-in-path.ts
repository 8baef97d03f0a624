import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

// Commands look tools up once per container (a runtime handle each): a found path is kept for the process.
const found = new Map<string, string>();

/** An executable `tool` in PATH, then in the sbin directories a non-root PATH often lacks. */
export function findInPath(tool: string, path = process.env.PATH ?? ''): string | undefined {
  const key = `${tool}\0${path}`;
  const known = found.get(key);
  if (known) return known;
  for (const dir of [...path.split(delimiter).filter(Boolean), '/usr/local/sbin', '/usr/sbin', '/sbin']) {
    const full = join(dir, tool);
    try {
      accessSync(full, constants.X_OK);
      found.set(key, full);
      return full;
    } catch { /* next */ }
  }
  return undefined;
}
