// Ids and names as Docker makes and checks them.
import { randomBytes } from 'node:crypto';
import { TscError } from '../../../util/errors.js';

export const ID_PATTERN = /^[0-9a-f]{64}$/;
const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** 64 hex digits; never all digits, whose 12-digit short form would read as a number (as moby does). */
export function generateId(): string {
  for (;;) {
    const id = randomBytes(32).toString('hex');
    if (!/^\d+$/.test(id.slice(0, 12))) return id;
  }
}

export function shortId(id: string): string {
  return id.slice(0, 12);
}

export function isFullId(value: string): boolean {
  return ID_PATTERN.test(value);
}

/** A container name without Docker's leading '/', checked against Docker's rule. */
export function checkContainerName(name: string): string {
  const bare = name.startsWith('/') ? name.slice(1) : name;
  if (!NAME_PATTERN.test(bare)) {
    throw new TscError('INVALID_NAME', `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return bare;
}

export function checkVolumeName(name: string): string {
  if (!NAME_PATTERN.test(name)) {
    throw new TscError('INVALID_NAME', `"${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
  }
  return name;
}
