// What a user sees of a ComposeError, for tests that expect one.
import { ComposeError, ComposeErrors } from '../../src/util/errors.js';

/** The formatted error `fn` throws; fails when it throws none or another kind. */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ComposeError || e instanceof ComposeErrors) return e.format();
    throw e;
  }
  throw new Error('expected an error');
}
