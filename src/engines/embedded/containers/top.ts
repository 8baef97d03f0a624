// `top`: the container's processes (runc ps) in `ps -ef`'s columns, read with
// the host's ps, as Docker does by default.
import { execFile } from '../../../util/exec.js';

export const TOP_TITLES = ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'];

export async function topOf(pids: number[]): Promise<{ titles: string[]; processes: string[][] }> {
  if (pids.length === 0) return { titles: [...TOP_TITLES], processes: [] };
  const { stdout } = await execFile(['ps', '-ww', '-o', 'user:20,pid,ppid,c,stime,tty,time,args', '-p', pids.join(',')], { okCodes: [0, 1] });
  return { titles: [...TOP_TITLES], processes: parsePsOutput(stdout) };
}

/** Rows of `ps -o user,pid,ppid,c,stime,tty,time,args`: seven fields, then the command with its spaces. */
export function parsePsOutput(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.split('\n').slice(1)) {
    const m = /^\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.*)$/.exec(line);
    if (m) rows.push(m.slice(1, 9));
  }
  return rows;
}
