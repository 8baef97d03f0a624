// The engine's floors: nothing below the composition root (engine.ts and the
// other top-level files) imports it, the engine's folders import each other
// without a cycle, files import each other without a cycle at run time, one
// folder per concept, and the engine imports nothing of the CLI nor the CLI a
// renderer of the engine (rendering belongs to the CLI; the engine returns data).
import { suite } from '../../harness.js';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addEdge, findCycles, findTangles, importEdges, listSources, parseImports, topFolder, type Graph, type ImportEdge } from './import-graph.js';

const src = fileURLToPath(new URL('../../../src/', import.meta.url));
const ENGINE = 'engines/embedded/';
const edges = importEdges(src, join(src, ENGINE));
const inEngine = (path: string) => path.startsWith(ENGINE);
const local = (path: string) => path.slice(ENGINE.length);

/**
 * Folder tangles known and not yet undone, each as its sorted folders. The
 * test fails when one is undone, so that it leaves this list too.
 */
const KNOWN_TANGLES: string[][] = [];

const s = suite('engine layering');

s('the import parser finds static, re-export, side-effect and dynamic imports, and marks type-only ones', () => {
  const text = [
    "import { a } from './a.js';",
    "import type { B } from '../b.js';",
    "export { c } from './c.js';",
    "import './d.js';",
    "const e = await import('../e.js');",
    "import { f } from 'node:fs';",
    "throw new Error(`cannot copy from '${x}'`);",
  ].join('\n');
  assert.equal(parseImports(text), [
    { spec: './a.js', typeOnly: false, dynamic: false },
    { spec: '../b.js', typeOnly: true, dynamic: false },
    { spec: './c.js', typeOnly: false, dynamic: false },
    { spec: './d.js', typeOnly: false, dynamic: false },
    { spec: '../e.js', typeOnly: false, dynamic: true },
  ]);
});

s('the import parser is not fooled by the word import in comments, strings and templates', () => {
  const text = [
    '// we import nothing here, but the sentence goes on',
    "// and names a place from './commented.js';",
    '/* import { x } */ export const y = 1;',
    "const msg = 'cannot import from \\'./quoted.js\\'';",
    'const t = `import { z } from "./template.js"`;',
    "type Store = import('./store.js').Store;",
    "import { real } from './real.js';",
  ].join('\n');
  assert.equal(parseImports(text), [
    { spec: './store.js', typeOnly: true, dynamic: false },
    { spec: './real.js', typeOnly: false, dynamic: false },
  ]);
});

s('the cycle finder names one cycle per tangle, and none in a layered graph', () => {
  const graph: Graph = new Map();
  for (const [a, b] of [['a', 'b'], ['b', 'c'], ['c', 'a'], ['d', 'a'], ['e', 'f'], ['f', 'e'], ['g', 'a']]) addEdge(graph, a!, b!);
  assert.equal(findCycles(graph), [['a', 'b', 'c', 'a'], ['e', 'f', 'e']]);
  const layered: Graph = new Map();
  for (const [a, b] of [['top', 'mid'], ['mid', 'low'], ['top', 'low']]) addEdge(layered, a!, b!);
  assert.equal(findCycles(layered), []);
});

s('no file in an engine folder imports a top-level file of the engine (engine.ts is the composition root)', () => {
  const upward = edges.filter((e) => inEngine(e.to) && topFolder(local(e.from)) !== undefined && topFolder(local(e.to)) === undefined);
  assert.equal(upward.map((e) => `${local(e.from)} -> ${local(e.to)}`), []);
});

s('the engine\'s folders import each other without a cycle', () => {
  const graph: Graph = new Map();
  const examples = new Map<string, ImportEdge>();
  for (const e of edges) {
    if (!inEngine(e.to)) continue;
    const from = topFolder(local(e.from));
    const to = topFolder(local(e.to));
    if (!from || !to || from === to) continue;
    addEdge(graph, from, to);
    if (!examples.has(`${from} ${to}`)) examples.set(`${from} ${to}`, e);
  }
  const explain = (cycle: string[]) => cycle.slice(1).map((to, i) => {
    const e = examples.get(`${cycle[i]} ${to}`)!;
    return `${local(e.from)} -> ${local(e.to)}`;
  });
  const known = (tangle: string[]) => KNOWN_TANGLES.some((k) => k.join() === tangle.join());
  const tangles = findTangles(graph);
  const cycles = findCycles(graph).filter((_, i) => !known(tangles[i]!)).map((c) => `${c.join(' -> ')} (${explain(c).join('; ')})`);
  assert.equal(cycles, []);
  assert.equal(KNOWN_TANGLES.filter((k) => !tangles.some((t) => t.join() === k.join())), [], 'a known tangle is undone: remove it from KNOWN_TANGLES');
});

s('the engine\'s files import each other without a cycle at run time', () => {
  const graph: Graph = new Map();
  for (const e of edges) if (inEngine(e.to) && !e.typeOnly) addEdge(graph, local(e.from), local(e.to));
  assert.equal(findCycles(graph).map((c) => c.join(' -> ')), []);
});

s('nothing in the engine imports the CLI', () => {
  assert.equal(edges.filter((e) => e.to.startsWith('cli/')).map((e) => `${e.from} -> ${e.to}`), []);
});

s('one folder per concept: no two engine folders named as the singular and plural of one word', () => {
  const folders = new Set(edges.map((e) => topFolder(local(e.from))).filter((f): f is string => f !== undefined));
  assert.equal([...folders].filter((f) => folders.has(`${f}s`)).map((f) => `${f}/ and ${f}s/`), []);
});

s('the CLI imports no renderer from the engine', () => {
  const renderers = listSources(join(src, 'cli')).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*['"]([^'"]*\/engines\/[^'"]*)['"]/g)]
    .flatMap((m) => m[1]!.split(',').map((n) => n.trim().replace(/^type\s+/, '')).filter((n) => /^render/.test(n)).map((n) => `${n} from ${m[2]}`)));
  assert.equal(renderers, []);
});

s.run();
