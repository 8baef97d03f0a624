// In-process warm pull check of REF in state root ROOT (the image is there and
// unchanged): median milliseconds of RUNS pulls, and of as many bare manifest
// GETs, so that what the check costs beyond the HTTP round trip shows.
// Usage: pull-warm.mts ROOT REF [RUNS]
import { ImageStore } from '../src/engines/embedded/images/store.js';
import { parseReference } from '../src/engines/embedded/images/reference.js';

const [root, ref, runs = '21'] = process.argv.slice(2);
if (!root || !ref) throw new Error('usage: pull-warm.mts ROOT REF [RUNS]');
const store = new ImageStore({ root });
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
await store.pull(ref);
const pulls: number[] = [];
const gets: number[] = [];
const { domain, path, tag } = parseReference(ref);
for (let i = 0; i < Number(runs); i++) {
  let t = performance.now();
  const r = await store.pull(ref);
  pulls.push(performance.now() - t);
  if (r.downloaded) throw new Error('the image changed during the benchmark');
  t = performance.now();
  const res = await fetch(`http://${domain}/v2/${path}/manifests/${tag}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  await res.arrayBuffer();
  gets.push(performance.now() - t);
}
console.log(`${median(pulls).toFixed(1)} ${median(gets).toFixed(1)}`);
