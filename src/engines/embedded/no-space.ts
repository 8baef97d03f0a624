// A full disk, said as such. Any engine operation that fails because the
// state root's file system is full (ENOSPC from our writes, or "no space left
// on device" from runc, mount or tar) reports that and nothing else: not
// "runc failed", not an internal error with a stack trace.
import { statfsSync } from 'node:fs';
import { sep } from 'node:path';
import { TscError } from '../../util/errors.js';

/** Failures of the tools we run (runc, conmon, mount, tar), which do not always say why ("unable to store init state"). */
const TOOL_FAILURES = new Set(['PROCESS_FAILED', 'CONTAINER_CREATE_FAILED']);

/** Less than this free on the state root's file system after a failure: the failure is the full disk's. */
const NEARLY_FULL = 2 * 1024 * 1024;

export function isNoSpace(error: unknown, root?: string): boolean {
  if ((error as NodeJS.ErrnoException | undefined)?.code === 'ENOSPC') return true;
  if (error instanceof Error && /no space left on device/i.test(error.message)) return true;
  return root !== undefined && error instanceof TscError && TOOL_FAILURES.has(error.code) && freeBytes(root) < NEARLY_FULL;
}

function freeBytes(root: string): number {
  try {
    const st = statfsSync(root);
    return st.bfree * st.bsize;
  } catch {
    return Infinity;
  }
}

export function noSpaceError(root: string, error: unknown): TscError {
  const path = (error as NodeJS.ErrnoException).path;
  const where = path && path !== root && !path.startsWith(root + sep) ? `writing ${path}` : `under ${root}`;
  const e = new TscError('NO_SPACE', `no space left on device ${where}: free some space (\`down -v\` of a project, \`image rm\`, \`builder prune\`) and try again`);
  e.cause = error;
  return e;
}

/** `service` whose methods report a full disk under `root` as NO_SPACE (promises and throws; async iterables as they are). */
export function reportingNoSpace<T extends object>(service: T, root: string): T {
  const translate = (error: unknown) => (isNoSpace(error, root) && !(error instanceof TscError && error.code === 'NO_SPACE') ? noSpaceError(root, error) : error);
  return new Proxy(service, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          return result instanceof Promise ? result.catch((error: unknown) => { throw translate(error); }) : result;
        } catch (error) {
          throw translate(error);
        }
      };
    },
  });
}
