// The `ip` and `sysctl` calls of the network code, through util/exec so a
// failure carries argv and stderr.
import { execFile, ProcessError } from '../../../util/exec.js';

export async function ip(...args: string[]): Promise<string> {
  return (await execFile(['ip', ...args])).stdout;
}

/**
 * Several `ip` commands in one process (`ip [-n netns] -batch -`), one per
 * line: a fork saved per command. Stops at the first failing line.
 */
export async function ipBatch(commands: string[][], opts: { netns?: string } = {}): Promise<void> {
  if (commands.length === 0) return;
  const prefix = ['ip', ...(opts.netns ? ['-n', opts.netns] : [])];
  try {
    await execFile([...prefix, '-batch', '-'], { input: commands.map((c) => c.join(' ')).join('\n') + '\n' });
  } catch (error) {
    // Reported as the one command that failed (`Command failed -:<line>`), as if run alone.
    const line = error instanceof ProcessError ? Number(/Command failed -:(\d+)/.exec(error.stderr)?.[1]) : NaN;
    const failed = commands[line - 1];
    if (!failed) throw error;
    const e = error as ProcessError;
    throw new ProcessError([...prefix, ...failed], e.exitCode_, e.signal, e.stderr.replace(/\n?Command failed -:\d+\s*$/, ''));
  }
}

/** `ip -j …` parsed; `ip` prints nothing at all for an empty listing. */
export async function ipJson<T>(...args: string[]): Promise<T[]> {
  const out = (await ip('-j', ...args)).trim();
  return out ? (JSON.parse(out) as T[]) : [];
}

export async function sysctl(key: string, value: string): Promise<void> {
  await execFile(['sysctl', '-q', '-w', `${key}=${value}`]);
}

/** True when the error says the thing to delete is already gone (idempotent teardown). */
export function isGone(error: unknown): boolean {
  if (!(error instanceof ProcessError)) return false;
  return /Cannot find device|does not exist|No such file or directory|not found|Bad rule|No chain\/target\/match by that name|Cannot open network namespace|No such process/i.test(error.stderr);
}

/** Runs a teardown step; a "gone already" failure is success. */
export async function ignoreGone(step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch (error) {
    if (!isGone(error)) throw error;
  }
}

export interface HostLink {
  ifname: string;
  ifalias?: string;
  link_type?: string;
  linkinfo?: { info_kind?: string };
}

export async function listLinks(): Promise<HostLink[]> {
  return ipJson<HostLink>('-d', 'link', 'show');
}

export async function linkExists(name: string): Promise<boolean> {
  return (await listLinks()).some((l) => l.ifname === name);
}

export async function listNetns(): Promise<string[]> {
  const out = await ip('netns', 'list');
  return out.split('\n').map((l) => l.trim().split(/\s+/)[0]!).filter(Boolean);
}
