// RUN as a prepared step: its command line (exec form, shell form, heredoc
// scripts), its network, its mounts resolved to host paths, and its cache key
// (command, build environment, mounts, network, user, working directory).
import { existsSync } from 'node:fs';
import { chmod, chown, copyFile, mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Instruction } from '../../../build/instructions.js';
import type { TscError } from '../../../util/errors.js';
import type { ResolvedMount } from '../runtime/oci-spec.js';
import type { FileSteps, PreparedStep } from './file-steps.js';
import { parseRunMount } from './run-mounts.js';
import { runStep } from './run-step.js';
import { copyEntries } from './copy-into.js';
import { resolveSource, walkSource } from './source-tree.js';
import { chainKey, type StageState } from './state.js';
import { runEnvironment, shellOf } from './steps.js';
import type { Workspace } from './workspace.js';

/** The last lines of a failed step's output, for its error. */
const TAIL_LINES = 10;

export async function prepareRun(steps: FileSteps, state: StageState, ins: Extract<Instruction, { kind: 'RUN' }>): Promise<PreparedStep> {
  let argv: string[];
  if ('exec' in ins.cmd) argv = ins.cmd.exec;
  else if (ins.heredocs.length === 1 && /^<<-?\s*["']?\w[\w-]*["']?$/.test(ins.cmd.shell)) argv = [...shellOf(state), ins.heredocs[0]!.content];
  else argv = [...shellOf(state), ins.heredocs.length ? `${ins.cmd.shell}\n${ins.heredocs.map((h) => `${h.content}${h.name}\n`).join('')}` : ins.cmd.shell];
  const network = ins.network ?? steps.o.spec.network ?? 'default';
  if (!['default', 'host', 'none'].includes(network)) steps.fail(ins, `RUN network "${network}" is not supported by the embedded builder (default, host or none)`, 'BUILD_NETWORK_UNSUPPORTED');
  if (ins.security && ins.security !== 'sandbox') steps.fail(ins, `RUN --security=${ins.security} is not supported by the embedded builder`, 'BUILD_SECURITY_UNSUPPORTED');
  const mounts = ins.mounts.map((m) => {
    try {
      return parseRunMount(m);
    } catch (error) {
      return steps.fail(ins, (error as Error).message, (error as TscError).code);
    }
  });
  const { env, keyed } = runEnvironment(state, steps.o.buildArgs);
  const key = chainKey(state.key, 'RUN', JSON.stringify(argv), JSON.stringify(keyed), JSON.stringify(ins.mounts), network, state.config.User ?? '', state.config.WorkingDir ?? '');
  const execute = async (ws: Workspace, id: number) => {
    const resolved: ResolvedMount[] = [];
    const extra: Workspace[] = [];
    try {
      for (const m of mounts) {
        if (m.type === 'cache') {
          const dir = join(steps.o.ctx.root.path, 'build', 'cache-mounts', chainKey('cache', m.id));
          if (!existsSync(dir)) {
            // uid/gid/mode apply when the cache directory is made, as BuildKit does.
            await mkdir(dir, { recursive: true });
            await chown(dir, m.owner.uid ?? 0, m.owner.gid ?? 0);
            await chmod(dir, m.owner.mode ?? 0o755);
          }
          resolved.push({ type: 'bind', source: dir, target: m.target, options: ['rbind', m.readOnly ? 'ro' : 'rw'] });
        } else if (m.type === 'tmpfs') {
          resolved.push({ type: 'tmpfs', source: 'tmpfs', target: m.target, options: ['nosuid', 'nodev', ...(m.size ? [`size=${m.size}`] : [])] });
        } else if (m.type === 'secret') {
          const file = steps.o.spec.secrets?.[m.id];
          if (!file) {
            if (m.required) steps.fail(ins, `secret "${m.id}" is required but was not given (services.*.build.secrets)`, 'BUILD_SECRET_MISSING');
            continue;
          }
          // A copy with the mount's owner and mode (0400 root by default, as BuildKit): the user's file is not changed.
          const copy = join(ws.dir, `secret-${resolved.length}`);
          await copyFile(file, copy).catch((e: Error) => steps.fail(ins, `secret "${m.id}": ${e.message}`, 'BUILD_SECRET_MISSING'));
          await chown(copy, m.owner.uid ?? 0, m.owner.gid ?? 0);
          await chmod(copy, m.owner.mode ?? 0o400);
          resolved.push({ type: 'bind', source: copy, target: m.target, options: ['rbind', 'ro'] });
        } else {
          const tree = await steps.treeFor(state, m.from, ins, extra);
          const rel = m.source.replace(/^\/+/, '').replace(/\/+$/, '');
          let source = await resolveSource(tree, rel).catch((e: Error) => steps.fail(ins, `--mount source ${m.source}: ${e.message}`));
          if (tree.ignore.length) {
            // The context as the build sees it: what .dockerignore excludes is not there.
            source = join(ws.dir, `bind-${resolved.length}`);
            await mkdir(source, { mode: 0o755 });
            const entries = await walkSource(tree, rel);
            if (entries[0]!.st.isDirectory()) await copyEntries(source, entries.slice(1), '/', { keepOwner: true });
            else {
              await rmdir(source);
              await copyEntries(ws.dir, entries, `/bind-${resolved.length}`, { keepOwner: true });
            }
          }
          resolved.push({ type: 'bind', source, target: m.target, options: ['rbind', 'ro'] });
        }
      }
      const tail: string[] = [];
      const code = await runStep({
        stateRoot: steps.o.ctx.root.path, runtime: steps.o.ctx.runtime, dir: ws.dir, rootfs: ws.rootfs, argv, env, imageEnv: state.config.Env ?? [],
        user: state.config.User || undefined, workdir: state.config.WorkingDir || '/', network: network as 'default', extraHosts: steps.o.spec.extraHosts,
        shmSizeBytes: steps.o.spec.shmSizeBytes, mounts: resolved, signal: steps.o.spec.signal, onCopiedUpDir: (p, st) => ws.pruneIfUnchanged(p, st),
        onOutput: (stream, line) => {
          tail.push(line);
          if (tail.length > TAIL_LINES) tail.shift();
          steps.o.onEvent({ type: 'output', step: id, stream, line });
        },
      });
      if (code !== 0) {
        const shown = 'exec' in ins.cmd ? JSON.stringify(ins.cmd.exec) : ins.cmd.shell;
        steps.fail(ins, `RUN ${shown}: process did not complete successfully: exit code: ${code}${tail.length ? `\n${tail.map((l) => `  > ${l}`).join('\n')}` : ''}`, 'BUILD_RUN_FAILED');
      }
    } finally {
      for (const w of extra) await w.close();
    }
  };
  return { key, describe: {}, execute };
}
