// Mount points from /proc/self/mountinfo (field 5, with octal escapes for spaces and the like).
import { readFileSync } from 'node:fs';

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
