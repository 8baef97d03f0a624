// The one way an integration test requires the host (root, runc, conmon,
// overlayfs, iptables…). Locally, a missing requirement registers the suite's
// tests as skipped (counted as skipped by test/run.ts, never as passed) and
// prints why once; under CI=true each test fails with the reason.
import type { Callback, Test } from 'uvu';

export interface HostGate<T> {
  /** True when nothing is missing: hooks that set up real resources check it. */
  ready: boolean;
  /** Registers a test that runs only on a host that has everything. */
  test: (name: string, fn: Callback<T>) => void;
}

export function requireHost<T>(s: Test<T>, what: string, missing: string[]): HostGate<T> {
  if (missing.length === 0) return { ready: true, test: (name, fn) => s(name, fn) };
  const why = `${what} need: ${missing.join(', ')}`;
  if (process.env.CI === 'true') return { ready: false, test: (name) => s(name, () => { throw new Error(`${name}: ${why}`); }) };
  console.log(`skipped: ${why}`);
  return { ready: false, test: (name, fn) => s.skip(name, fn) };
}
