// Summarises a `node --cpu-prof` profile: wall span, idle time, and the
// heaviest functions and files by self and inclusive time.
// Usage: node --import tsx bench/cpuprofile-summary.mts FILE.cpuprofile [TOP]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: cpuprofile-summary.mts FILE.cpuprofile [TOP]');
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

const shortUrl = (url: string): string => url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, 'nm:').replace(/^.*\/dist\//, 'dist/');
const label = (n: ProfileNode): string => `${n.callFrame.functionName || '(anon)'} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;

const selfByFn = new Map<string, number>();
const selfByFile = new Map<string, number>();
const inclByFn = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id)!;
  const name = node.callFrame.functionName;
  if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') {
    selfByFn.set(name, (selfByFn.get(name) ?? 0) + us);
    continue;
  }
  selfByFn.set(label(node), (selfByFn.get(label(node)) ?? 0) + us);
  selfByFile.set(shortUrl(node.callFrame.url) || '(native)', (selfByFile.get(shortUrl(node.callFrame.url) || '(native)') ?? 0) + us);
  // Inclusive: count each distinct frame once per sample stack.
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(byId.get(cur)!);
    if (seen.has(l)) continue;
    seen.add(l);
    inclByFn.set(l, (inclByFn.get(l) ?? 0) + us);
  }
}

const ms = (us: number): string => `${(us / 1000).toFixed(1).padStart(8)} ms`;
const print = (title: string, m: Map<string, number>): void => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(v)}  ${k}`);
};
console.log(`span ${ms(profile.endTime - profile.startTime)}`);
print('self time by function', selfByFn);
print('self time by file', selfByFile);
print('inclusive time by function', inclByFn);
