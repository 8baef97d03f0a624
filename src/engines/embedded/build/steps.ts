// The effect of each Dockerfile instruction on a stage's state. Metadata
// instructions change only the config; RUN, COPY/ADD and WORKDIR change files
// in a workspace whose upper directory becomes the step's layer. Each
// file-changing step looks up the build cache by its chain key first.
import { posix } from 'node:path';
import type { BuildGraph } from '../../../build/stages.js';
import { expand, PROXY_ARGS } from '../../../build/stages.js';
import type { Instruction } from '../../../build/instructions.js';
import { DockerfileError } from '../../../build/errors.js';
import { parseGoDuration } from '../containers/log-time.js';
import { chainKey, envMap, expansionEnv, setEnv, type StageState } from './state.js';

/** Applies a metadata instruction; returns undefined for instructions that touch files. */
export function applyMetadata(graph: BuildGraph, state: StageState, ins: Instruction, buildArgs: ReadonlyMap<string, string>, meta: ReadonlyMap<string, string>): StageState | undefined {
  const env = expansionEnv(state);
  const x = (word: string) => expand(graph, ins.line, word, env);
  const next = (config: StageState['config'], keyText: string, extra: Partial<StageState> = {}): StageState => ({
    ...state, ...extra, config, key: chainKey(state.key, ins.kind, keyText),
  });
  const c = state.config;
  switch (ins.kind) {
    case 'ARG': {
      const args = new Map(state.args);
      for (const a of ins.args) {
        const value = buildArgs.get(a.name) ?? (a.value !== undefined ? x(a.value) : meta.get(a.name));
        args.set(a.name, value);
      }
      // ARG values enter the key only where used (RUN's environment, substitutions).
      return { ...state, args };
    }
    case 'ENV': {
      // Every pair expands with the environment from before the instruction: `ENV a=2 b=$a` gives b the old a (Docker's rule).
      let config = c;
      const text: string[] = [];
      for (const [k, v] of ins.pairs) {
        const value = x(v);
        config = setEnv(config, k, value);
        text.push(`${k}=${value}`);
      }
      return next(config, text.join('\n'));
    }
    case 'LABEL': {
      const labels = { ...(c.Labels ?? {}) };
      for (const [k, v] of ins.pairs) labels[x(k)] = x(v);
      return next({ ...c, Labels: labels }, JSON.stringify(labels));
    }
    case 'USER': {
      const user = x(ins.value);
      return next({ ...c, User: user }, user);
    }
    case 'EXPOSE': {
      const ports = { ...(c.ExposedPorts ?? {}) };
      for (const v of ins.values) for (const p of x(v).split(/\s+/).filter(Boolean)) ports[/\//.test(p) ? p : `${p}/tcp`] = {};
      return next({ ...c, ExposedPorts: ports }, Object.keys(ports).join(' '));
    }
    case 'VOLUME': {
      const vols = { ...(c.Volumes ?? {}) };
      for (const v of ins.values) {
        const path = x(v);
        if (!path) throw new DockerfileError(graph.file, ins.line, 'VOLUME specified can not be an empty string');
        vols[path] = {};
      }
      return next({ ...c, Volumes: vols }, Object.keys(vols).join(' '));
    }
    case 'STOPSIGNAL': {
      const sig = x(ins.value);
      return next({ ...c, StopSignal: sig }, sig);
    }
    case 'MAINTAINER':
      return next(c, ins.value);
    case 'CMD':
    case 'ENTRYPOINT': {
      const argv = 'exec' in ins.cmd ? ins.cmd.exec : [...shellOf(state), ins.cmd.shell];
      if (ins.kind === 'CMD') return next({ ...c, Cmd: argv }, JSON.stringify(argv), { cmdFromBase: false });
      return next({ ...c, Entrypoint: argv, ...(state.cmdFromBase ? { Cmd: null } : {}) }, JSON.stringify(argv), { cmdFromBase: false });
    }
    case 'SHELL':
      return next({ ...c, Shell: ins.shell }, JSON.stringify(ins.shell));
    case 'HEALTHCHECK': {
      const h = ins.check;
      if (h.none) return next({ ...c, Healthcheck: { Test: ['NONE'] } }, 'NONE');
      const test = 'exec' in h.test! ? ['CMD', ...h.test.exec] : ['CMD-SHELL', h.test!.shell];
      const ns = (v: string | undefined, name: string) => {
        if (v === undefined) return undefined;
        const ms = parseGoDuration(v);
        if (ms === undefined) throw new DockerfileError(graph.file, ins.line, `HEALTHCHECK --${name}=${v}: not a duration (e.g. 30s, 1m30s)`);
        return Math.round(ms * 1e6);
      };
      const retries = h.retries === undefined ? undefined : Number(h.retries);
      if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0)) throw new DockerfileError(graph.file, ins.line, `HEALTHCHECK --retries=${h.retries}: not a whole number`);
      const check = {
        Test: test, Interval: ns(h.interval, 'interval'), Timeout: ns(h.timeout, 'timeout'), StartPeriod: ns(h.startPeriod, 'start-period'),
        StartInterval: ns(h.startInterval, 'start-interval'), Retries: retries,
      };
      return next({ ...c, Healthcheck: JSON.parse(JSON.stringify(check)) as typeof check }, JSON.stringify(check));
    }
    case 'ONBUILD':
      return next({ ...c, OnBuild: [...(c.OnBuild ?? []), ins.text] }, ins.text);
    default:
      return undefined;
  }
}

export function shellOf(state: StageState): string[] {
  return state.config.Shell?.length ? state.config.Shell : ['/bin/sh', '-c'];
}

/** RUN's environment: the image's ENV plus ARGs in scope (ENV wins), plus proxy build args. */
export function runEnvironment(state: StageState, buildArgs: ReadonlyMap<string, string>): { env: Record<string, string>; keyed: Record<string, string> } {
  const env: Record<string, string> = {};
  const image = envMap(state.config);
  for (const [k, v] of state.args) if (v !== undefined && !image.has(k)) env[k] = v;
  const keyed = { ...env };
  // Proxy args reach RUN without an ARG line and stay out of the cache key (as Docker).
  for (const p of PROXY_ARGS) if (buildArgs.has(p) && !(p in env)) env[p] = buildArgs.get(p)!;
  return { env, keyed };
}

/** An absolute path in the image from a WORKDIR/COPY destination relative to the working directory. */
export function absoluteIn(state: StageState, path: string): string {
  const base = state.config.WorkingDir || '/';
  const out = posix.resolve(base, path);
  return path.endsWith('/') && out !== '/' ? `${out}/` : out;
}
