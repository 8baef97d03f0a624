// conmon's k8s-file log format: `<RFC3339Nano> <stdout|stderr> <F|P> <text>`,
// one record per line; P marks a partial record continued by the next one of
// the same stream (conmon splits long lines and flushes on buffer ends).
import type { LogEntry } from '../../../engine/types.js';

export interface K8sLogRecord {
  time: string;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  text: string;
}

const RECORD = /^(\S+) (stdout|stderr) ([FP])(?: (.*))?$/s;

/** One line of the file (without its newline); undefined for a malformed line. */
export function parseK8sLogLine(line: string): K8sLogRecord | undefined {
  const m = RECORD.exec(line.endsWith('\n') ? line.slice(0, -1) : line);
  if (!m) return undefined;
  return { time: m[1]!, stream: m[2] as 'stdout' | 'stderr', partial: m[3] === 'P', text: m[4] ?? '' };
}

/** Joins partial records into whole lines, per stream, keeping the time of the first part. */
export class K8sLogAssembler {
  private pending: Partial<Record<'stdout' | 'stderr', { time: string; text: string }>> = {};

  push(record: K8sLogRecord): LogEntry | undefined {
    const open = this.pending[record.stream];
    if (record.partial) {
      if (open) open.text += record.text;
      else this.pending[record.stream] = { time: record.time, text: record.text };
      return undefined;
    }
    delete this.pending[record.stream];
    return { time: open?.time ?? record.time, stream: record.stream, line: (open?.text ?? '') + record.text };
  }

  /** What is left partial at the end (a last line without newline). */
  flush(): LogEntry[] {
    const out = (['stdout', 'stderr'] as const).flatMap((s) => {
      const p = this.pending[s];
      return p ? [{ time: p.time, stream: s, line: p.text }] : [];
    });
    this.pending = {};
    return out;
  }
}

export function parseK8sLog(text: string): LogEntry[] {
  const asm = new K8sLogAssembler();
  const out: LogEntry[] = [];
  for (const line of text.split('\n')) {
    const rec = line ? parseK8sLogLine(line) : undefined;
    const entry = rec && asm.push(rec);
    if (entry) out.push(entry);
  }
  return [...out, ...asm.flush()];
}
