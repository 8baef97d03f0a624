// The relative imports of a source tree, by file and by folder, and the cycles
// among them: what the layering test checks the engine's floors with.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  /** Both relative to the tree's root, with `/` and a `.ts` ending. */
  from: string;
  to: string;
  /** `import type` / `export type`: erased at run time. */
  typeOnly: boolean;
  /** `import('…')`: loaded when that code runs, not with the importing file. */
  dynamic: boolean;
}

export function listSources(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return listSources(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

/**
 * The relative import specifiers of one file, `.js` endings as written, in
 * source order: `import … from`, `export … from`, `import '…'`, `import('…')`
 * and `import('…').T` in types. Read by the TypeScript parser, so that a word
 * "import" in a comment or a string is not taken for one.
 */
export function parseImports(text: string): Array<{ spec: string; typeOnly: boolean; dynamic: boolean }> {
  const out: Array<{ spec: string; typeOnly: boolean; dynamic: boolean }> = [];
  const add = (spec: ts.Node | undefined, typeOnly: boolean, dynamic = false) => {
    if (spec && ts.isStringLiteralLike(spec) && spec.text.startsWith('.')) out.push({ spec: spec.text, typeOnly, dynamic });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, node.importClause?.isTypeOnly ?? false);
    else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], false, true);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal, true);
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile('file.ts', text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS));
  return out;
}

/** Every relative import of the files under `dir`, as paths relative to `root`. */
export function importEdges(root: string, dir: string): ImportEdge[] {
  return listSources(dir).flatMap((file) => parseImports(readFileSync(file, 'utf8')).map(({ spec, typeOnly, dynamic }) => ({
    from: relative(root, file).split('\\').join('/'),
    to: relative(root, resolve(dirname(file), spec)).split('\\').join('/').replace(/\.js$/, '.ts'),
    typeOnly,
    dynamic,
  })));
}

/** The folder a path of the engine belongs to: its first segment, or undefined for a top-level file. */
export function topFolder(path: string): string | undefined {
  const i = path.indexOf('/');
  return i < 0 ? undefined : path.slice(0, i);
}

export type Graph = Map<string, Set<string>>;

export function addEdge(graph: Graph, from: string, to: string): void {
  if (!graph.has(from)) graph.set(from, new Set());
  if (!graph.has(to)) graph.set(to, new Set());
  graph.get(from)!.add(to);
}

/** One cycle through each tangle (strongly connected component of more than one node), as a path `[a, b, …, a]`. */
export function findCycles(graph: Graph): string[][] {
  return findTangles(graph).map((c) => cycleWithin(graph, new Set(c), c[0]!));
}

/** The strongly connected components of more than one node (Tarjan), each sorted. */
export function findTangles(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) components.push(component.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return components.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** A shortest path from `start` back to itself inside one component (breadth first). */
function cycleWithin(graph: Graph, members: Set<string>, start: string): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let at = v; at !== start; at = previous.get(at)!) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}
