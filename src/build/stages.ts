// A parsed Dockerfile as a build graph: the ARGs before the first FROM (meta
// args, usable in FROM), then stages, each with its base (an image, `scratch`
// or an earlier stage) and the stages its COPY --from / RUN --mount=from read.
import { DockerfileError } from './errors.js';
import { toInstruction, type Instruction } from './instructions.js';
import { parseDockerfile } from './parse.js';
import { expandWord, SubstitutionError } from './shell-lex.js';

export interface Stage {
  index: number;
  /** Lower-cased `AS` name. */
  name?: string;
  from: Extract<Instruction, { kind: 'FROM' }>;
  /** After FROM, in order. */
  instructions: Instruction[];
}

export interface BuildGraph {
  file: string;
  escape: string;
  metaArgs: Array<Extract<Instruction, { kind: 'ARG' }>>;
  stages: Stage[];
  warnings: string[];
}

/** The predefined ARGs Docker passes without a matching ARG line, kept out of history. */
export const PROXY_ARGS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];

export function parseBuildGraph(text: string, file = 'Dockerfile'): BuildGraph {
  const parsed = parseDockerfile(text, file);
  const graph: BuildGraph = { file, escape: parsed.escape, metaArgs: [], stages: [], warnings: parsed.warnings };
  for (const raw of parsed.instructions) {
    const ins = toInstruction(raw, file);
    if (ins.kind === 'FROM') {
      if (ins.as && graph.stages.some((s) => s.name === ins.as)) throw new DockerfileError(file, ins.line, `duplicate stage name "${ins.as}"`);
      graph.stages.push({ index: graph.stages.length, name: ins.as, from: ins, instructions: [] });
    } else if (graph.stages.length === 0) {
      if (ins.kind !== 'ARG') throw new DockerfileError(file, ins.line, `no build stage in current context: ${ins.kind} before the first FROM`);
      graph.metaArgs.push(ins);
    } else graph.stages.at(-1)!.instructions.push(ins);
  }
  if (graph.stages.length === 0) throw new DockerfileError(file, 1, 'the Dockerfile has no FROM instruction');
  return graph;
}

/** The meta args' values: defaults from the ARG lines, overridden by build args. */
export function metaArgValues(graph: BuildGraph, buildArgs: ReadonlyMap<string, string>): Map<string, string> {
  const values = new Map<string, string>();
  for (const ins of graph.metaArgs) {
    for (const a of ins.args) {
      const given = buildArgs.get(a.name);
      if (given !== undefined) values.set(a.name, given);
      else if (a.value !== undefined) values.set(a.name, expand(graph, ins.line, a.value, values));
    }
  }
  return values;
}

export function expand(graph: BuildGraph, line: number, word: string, env: ReadonlyMap<string, string>, used?: Set<string>): string {
  try {
    return expandWord(word, env, { escape: graph.escape, used });
  } catch (error) {
    if (error instanceof SubstitutionError) throw new DockerfileError(graph.file, line, error.message);
    throw error;
  }
}

/** A stage named by `--from`/FROM: its name, or its index in the file. */
export function findStage(graph: BuildGraph, ref: string, before = Infinity): Stage | undefined {
  const lower = ref.toLowerCase();
  const byName = graph.stages.find((s) => s.name === lower && s.index < before);
  if (byName) return byName;
  if (/^\d+$/.test(ref)) {
    const s = graph.stages[Number(ref)];
    return s && s.index < before ? s : undefined;
  }
  return undefined;
}

/** The target stage (by name, or the last), for `target:` / `--target`. */
export function targetStage(graph: BuildGraph, target?: string): Stage {
  if (!target) return graph.stages.at(-1)!;
  const stage = graph.stages.find((s) => s.name === target.toLowerCase());
  if (!stage) throw new DockerfileError(graph.file, 1, `target stage "${target}" could not be found`, 'BUILD_TARGET_NOT_FOUND');
  return stage;
}

/** Stages read by a stage: its base when a stage, COPY --from and RUN --mount from= stages. */
export function stageDependencies(graph: BuildGraph, stage: Stage, meta: ReadonlyMap<string, string>): Stage[] {
  const out = new Set<Stage>();
  const base = findStage(graph, expand(graph, stage.from.line, stage.from.image, meta), stage.index);
  if (base) out.add(base);
  for (const ins of stage.instructions) {
    const refs: string[] = [];
    if ((ins.kind === 'COPY' || ins.kind === 'ADD') && ins.kind === 'COPY' && ins.from) refs.push(ins.from);
    if (ins.kind === 'RUN') for (const m of ins.mounts) { const from = /(?:^|,)from=([^,]+)/.exec(m)?.[1]; if (from) refs.push(from); }
    for (const ref of refs) {
      const s = findStage(graph, expand(graph, ins.line, ref, meta), stage.index);
      if (s) out.add(s);
      else if (/^\d+$/.test(ref)) throw new DockerfileError(graph.file, ins.line, `invalid from flag value ${ref}: refers to a stage that is not before this one`);
    }
  }
  return [...out];
}

/** The stages the target needs, in file order (what `target` builds; the rest are skipped). */
export function neededStages(graph: BuildGraph, target: Stage, meta: ReadonlyMap<string, string>): Stage[] {
  const need = new Set<Stage>();
  const visit = (s: Stage) => {
    if (need.has(s)) return;
    need.add(s);
    for (const d of stageDependencies(graph, s, meta)) visit(d);
  };
  visit(target);
  return [...need].sort((a, b) => a.index - b.index);
}
