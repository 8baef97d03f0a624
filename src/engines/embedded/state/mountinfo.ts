// Mount points from /proc/self/mountinfo (field 5, with octal escapes for spaces and the like).
import { readFileSync } from 'node:fs';
import { Batcher } from '../../../util/batch.js';

export function readMountPoints(mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const field = line.split(' ')[4];
    if (field) out.push(unescapeMountPath(field));
  }
  return out;
}

export function unescapeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function isMounted(path: string, mountinfo?: string): boolean {
  return readMountPoints(mountinfo).includes(path);
}

/** Whether anything is mounted at or below `dir`. */
export function hasMountsUnder(dir: string, mountinfo?: string): boolean {
  return readMountPoints(mountinfo).some((m) => m === dir || m.startsWith(dir + '/'));
}

// Reading mountinfo costs milliseconds on a host with hundreds of mounts: concurrent callers share a read.
const reads = new Batcher<void, string>(async (items) => {
  const text = readFileSync('/proc/self/mountinfo', 'utf8');
  return items.map(() => ({ ok: true, value: text }));
});

/** /proc/self/mountinfo, read once for the callers of a wave; the read starts after the call. */
export function readMountinfoShared(): Promise<string> {
  return reads.submit(undefined);
}
