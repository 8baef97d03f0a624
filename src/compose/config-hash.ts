// The configuration hash of a service (the `com.docker.compose.config-hash`
// label): sha256 of the service's canonical JSON, leaving out what Docker
// Compose's ServiceHash leaves out, so that changing only those does not
// recreate a container. Keys are sorted: the hash does not depend on key order.
// (Compose hashes Go's JSON of its struct; ours is stable but not equal to it.)
import { createHash } from 'node:crypto';
import type { ServiceConfig } from './model.js';

/** Top-level service fields that do not change the container. */
const IGNORED = new Set(['build', 'pull_policy', 'scale', 'depends_on', 'profiles']);

export function serviceConfigHash(service: ServiceConfig): string {
  const hashed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(service)) {
    if (IGNORED.has(key) || key === 'name') continue;
    hashed[key] = value;
  }
  // deploy.replicas is a scale setting: compose pins it to 1 before hashing.
  if (typeof hashed.deploy === 'object' && hashed.deploy !== null) {
    hashed.deploy = { ...(hashed.deploy as Record<string, unknown>), replicas: 1 };
  }
  return createHash('sha256').update(canonicalJson(hashed)).digest('hex');
}

/** JSON with object keys sorted at every level; undefined values are left out. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value) ?? 'null';
}
