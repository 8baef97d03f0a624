// Thin layer over uvu's `suite`: hooks that throw are recorded so the runner
// can count them as failures (uvu swallows errors thrown in before/after hooks).
import { suite as uvuSuite } from 'uvu';
import type { Callback } from 'uvu';

export interface HookFailure {
  suite: string;
  hook: string;
  error: unknown;
}

const failures: HookFailure[] = ((globalThis as Record<string, unknown>).__tscHookFailures ??= []) as HookFailure[];

type Hook<T> = Callback<T>;

function guard<T>(name: string, hook: string, fn: Hook<T>): Hook<T> {
  return async (context) => {
    try {
      await fn(context);
    } catch (error) {
      failures.push({ suite: name, hook, error });
      // uvu runs `after` in a finally block: a throw there ends the whole run, not just this suite.
      if (hook !== 'after') throw error;
    }
  };
}

export function suite<T extends object = Record<string, unknown>>(name: string, state?: T) {
  const s = uvuSuite<T>(name, state);
  const before = s.before;
  const after = s.after;
  const wrapped = s as typeof s;
  const beforeEach = before.each;
  const afterEach = after.each;
  const newBefore = ((fn: Hook<T>) => before(guard(name, 'before', fn))) as typeof s.before;
  newBefore.each = (fn: Hook<T>) => beforeEach(guard(name, 'before.each', fn));
  const newAfter = ((fn: Hook<T>) => after(guard(name, 'after', fn))) as typeof s.after;
  newAfter.each = (fn: Hook<T>) => afterEach(guard(name, 'after.each', fn));
  wrapped.before = newBefore;
  wrapped.after = newAfter;
  return wrapped;
}

export function hookFailures(): HookFailure[] {
  return failures;
}
