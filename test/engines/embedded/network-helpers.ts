// Shared by the network*.test.ts suites: what the host must have, and the
// commands the tests run.
import { existsSync } from 'node:fs';
import { execFile } from '../../../src/util/exec.js';
import { findInPath } from '../../../src/util/find-in-path.js';

export function missingForNetwork(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root');
  if (!findInPath('ip')) missing.push('ip (`apt-get install iproute2`)');
  if (!findInPath('iptables')) missing.push('iptables (`apt-get install iptables`)');
  if (!findInPath('sysctl')) missing.push('sysctl (`apt-get install procps`)');
  if (!existsSync('/bin/busybox')) missing.push('busybox (`apt-get install busybox-static`)');
  return missing;
}

/** Runs argv in a namespace; resolves with exit code and output, never rejects on a non-zero exit. */
export async function inNetns(netns: string, argv: string[], timeout = 10_000): Promise<{ code: number; out: string }> {
  try {
    const r = await execFile(['ip', 'netns', 'exec', netns, ...argv], { timeout });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (error) {
    const e = error as { exitCode_?: number | null; stderr?: string; message: string };
    return { code: e.exitCode_ ?? -1, out: e.stderr ?? e.message };
  }
}

export async function sh(argv: string[]): Promise<string> {
  return (await execFile(argv)).stdout;
}

/** Asserts that `fn` rejects with a message matching `pattern`. */
export async function rejects(fn: () => Promise<unknown>, pattern?: RegExp, what = 'the call'): Promise<void> {
  let error: unknown;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  if (error === undefined) throw new Error(`${what} should have failed`);
  const message = error instanceof Error ? error.message : String(error);
  if (pattern && !pattern.test(message)) throw new Error(`${what} failed with "${message}", not matching ${pattern}`);
}
