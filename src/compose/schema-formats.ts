// The custom formats of schemas/compose-spec.json and the ajv options it is
// compiled with. Shared by the runtime compile (validate.ts) and the compile
// at build time (scripts/build.mts), so both check the same.
import { parsePortSpec, PortSyntaxError } from './syntax/ports.js';

/** A custom format: `undefined` when `value` is fine, else what is wrong with it. */
export type FormatCheck = (value: string | number) => string | undefined;

const GO_DURATION = /^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;
const EXPOSE = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i;
const RESTART = /^(no|always|unless-stopped|on-failure(:\d+)?)$/;
const PULL_POLICY = /^(always|never|missing|build|if_not_present|refresh|daily|weekly|every_(\d+[wdhms])+)$/;
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

function portCheck(value: string | number): string | undefined {
  try {
    parsePortSpec(value);
    return undefined;
  } catch (error) {
    // Anything but a syntax error is a bug of the port parser, not the user's mistake.
    if (error instanceof PortSyntaxError) return error.message;
    return undefined;
  }
}

function exposeCheck(value: string | number): string | undefined {
  const m = EXPOSE.exec(String(value));
  const ok = m !== null && Number(m[1]) <= 65535 && (m[2] === undefined || (Number(m[2]) <= 65535 && Number(m[2]) >= Number(m[1])));
  return ok ? undefined : `expected a port or a range like "3000" or "3000-3005/udp", got ${JSON.stringify(value)}`;
}

/** The formats compose-go registers (duration, ports, expose) and a few of ours for values Docker refuses later. */
export const FORMATS: Record<string, { type: 'string' | 'number'; check: FormatCheck }> = {
  duration: {
    type: 'string',
    check: (v) => (GO_DURATION.test(String(v)) ? undefined : `expected a duration like "30s" or "1m30s", got ${JSON.stringify(v)}`),
  },
  ports: { type: 'string', check: portCheck },
  port_number: { type: 'number', check: portCheck },
  expose: { type: 'string', check: exposeCheck },
  restart: {
    type: 'string',
    check: (v) => (RESTART.test(String(v)) ? undefined : `expected one of "no", "always", "on-failure[:N]", "unless-stopped", got ${JSON.stringify(v)}`),
  },
  pull_policy: {
    type: 'string',
    check: (v) => (PULL_POLICY.test(String(v))
      ? undefined
      : `expected one of "always", "never", "missing", "build", "refresh", "daily", "weekly", "every_<duration>", got ${JSON.stringify(v)}`),
  },
  container_name: {
    type: 'string',
    check: (v) => (CONTAINER_NAME.test(String(v))
      ? undefined
      : `expected a name of at least two letters, digits, "_", "." or "-", starting with a letter or digit, got ${JSON.stringify(v)}`),
  },
};

/** A value still holding `${VAR}` (interpolation skipped) or an escaped `$` is not checked against a format. */
export function uninterpolated(value: unknown): boolean {
  return typeof value === 'string' && value.includes('$');
}

export type AjvFormat = { type: 'string'; validate: (value: string) => boolean } | { type: 'number'; validate: (value: number) => boolean };

/** What ajv calls for each format (`ajv.addFormat(name, def)`; the build-time validator imports these by name). */
export const formatDefinitions: Record<string, AjvFormat> = Object.fromEntries(Object.entries(FORMATS).map(([name, { type, check }]) => [
  name,
  type === 'number'
    ? { type, validate: (value: number) => check(value) === undefined }
    : { type, validate: (value: string) => uninterpolated(value) || check(value) === undefined },
]));

export const AJV_OPTIONS = { allErrors: true, verbose: true, strict: true, strictTypes: false, allowUnionTypes: true } as const;
