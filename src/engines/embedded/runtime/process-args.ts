// The container's argv and environment, with Docker's rules for combining the
// service's entrypoint/command/env with the image's.
import { TscError } from '../../../util/errors.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ImageProcessDefaults {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[];
}

/**
 * Docker: a service entrypoint replaces the image's and drops the image's Cmd
 * (unless the service gives a command); `[]` clears either.
 */
export function resolveProcessArgs(entrypoint: string[] | undefined, command: string[] | undefined, image: ImageProcessDefaults): string[] {
  const ep = entrypoint ?? image.Entrypoint ?? [];
  const cmd = command ?? (entrypoint !== undefined ? [] : image.Cmd ?? []);
  const args = [...ep, ...cmd];
  if (args.length === 0) {
    throw new TscError('NO_COMMAND', 'no command specified: the image has no Entrypoint or Cmd; set `command:` or `entrypoint:` for the service');
  }
  return args;
}

/**
 * Docker's order: PATH, HOSTNAME, TERM (tty only), then the image's Env, then
 * the service's; a later value of the same key replaces the earlier one in
 * place; null removes the key.
 */
export function buildEnv(opts: { imageEnv?: string[]; env: Record<string, string | null>; hostname: string; tty?: boolean }): string[] {
  const entries = new Map<string, string>();
  const set = (key: string, value: string | null) => {
    if (value === null) entries.delete(key);
    else entries.set(key, value);
  };
  set('PATH', DEFAULT_PATH);
  set('HOSTNAME', opts.hostname);
  if (opts.tty) set('TERM', 'xterm');
  for (const item of opts.imageEnv ?? []) {
    const eq = item.indexOf('=');
    if (eq > 0) set(item.slice(0, eq), item.slice(eq + 1));
  }
  for (const [key, value] of Object.entries(opts.env)) set(key, value);
  return [...entries].map(([k, v]) => `${k}=${v}`);
}
