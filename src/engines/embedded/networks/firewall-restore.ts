// Many iptables changes in one `iptables-restore --noflush` (one process, one
// atomic commit per table) instead of a process each. Every caller keeps its
// one-command-at-a-time path for when a batch fails (something changed between
// the listing and the restore, or an iptables without restore).
import { execFile } from '../../../util/exec.js';
import type { Table } from './firewall.js';

/** `iptables -S` of the filter and nat tables, split into arguments per line. */
export type TableListing = Record<Table, string[][]>;

export async function listTables(): Promise<TableListing> {
  const [filter, nat] = await Promise.all((['filter', 'nat'] as const).map(async (table) => {
    const { stdout } = await execFile(['iptables', '-w', '5', '-t', table, '-S']);
    return stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/).map((a) => a.replace(/^"(.*)"$/, '$1')));
  }));
  return { filter: filter!, nat: nat! };
}

/** Commands (`-A CHAIN …`, `-D …`, `-N`, `-F`, `-X`, `-I`) per table, applied in one restore. */
export async function restore(commands: Partial<Record<Table, string[][]>>): Promise<void> {
  const text = (Object.entries(commands) as Array<[Table, string[][]]>)
    .filter(([, lines]) => lines.length)
    .map(([table, lines]) => [`*${table}`, ...lines.map((l) => l.map(quote).join(' ')), 'COMMIT'].join('\n'))
    .join('\n');
  if (!text) return;
  await execFile(['iptables-restore', '-w', '5', '--noflush'], { input: `${text}\n` });
}

function quote(arg: string): string {
  return /^[\w!./:,+=-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\])/g, '\\$1')}"`;
}
