// Docker's multiplexed stream (logs and exec without a TTY): frames of an
// 8-byte header (stream 0 stdin / 1 stdout / 2 stderr, 3 zero bytes, a
// big-endian uint32 size) and the payload. Frames split anywhere across chunks.

export type StreamName = 'stdin' | 'stdout' | 'stderr';
const STREAMS: StreamName[] = ['stdin', 'stdout', 'stderr'];

export class FrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);

  /** Feeds a chunk; returns the frames it completed. */
  push(chunk: Buffer): Array<{ stream: StreamName; data: Buffer }> {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const frames: Array<{ stream: StreamName; data: Buffer }> = [];
    while (this.buffer.length >= 8) {
      const size = this.buffer.readUInt32BE(4);
      if (this.buffer.length < 8 + size) break;
      const type = this.buffer[0]!;
      if (type > 3) throw new Error(`malformed multiplexed stream: stream type ${type}`);
      // 3 is the daemon's system error stream: shown as stderr.
      frames.push({ stream: STREAMS[type] ?? 'stderr', data: this.buffer.subarray(8, 8 + size) });
      this.buffer = this.buffer.subarray(8 + size);
    }
    return frames;
  }

  /** Bytes of an unfinished frame left at the end. */
  get pending(): number {
    return this.buffer.length;
  }
}

/** Splits each stream's bytes into lines (without '\n'); a stream's last line without one comes from flush. */
export class LineSplitter<K extends string> {
  private readonly rest = new Map<K, string>();

  push(key: K, data: Buffer | string): string[] {
    const text = (this.rest.get(key) ?? '') + data.toString();
    const lines = text.split('\n');
    this.rest.set(key, lines.pop() ?? '');
    return lines;
  }

  flush(): Array<[K, string]> {
    const out = [...this.rest.entries()].filter(([, v]) => v !== '');
    this.rest.clear();
    return out;
  }
}

/** `2024-01-01T00:00:00.123456789Z line` as the daemon writes with timestamps=1. */
export function splitTimestamp(line: string): { time: string; line: string } {
  const space = line.indexOf(' ');
  if (space > 0 && /^\d{4}-\d\d-\d\dT/.test(line)) return { time: line.slice(0, space), line: line.slice(space + 1) };
  return { time: '', line };
}
