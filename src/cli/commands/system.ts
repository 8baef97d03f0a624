// `tscompose system doctor|info`: can this machine run the embedded engine, and what it holds.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseCgroups, runDoctor } from '../../engines/embedded/doctor.js';
import { renderDoctorReport } from '../format/doctor-report.js';
import { repairStateFiles } from '../../engines/embedded/doctor-repair.js';
import { resolveStateRoot } from '../../engines/embedded/state/root.js';
import { LABEL } from '../../stack/labels.js';
import { TscError } from '../../util/errors.js';
import { openEngine } from '../context.js';
import type { GlobalOptions } from '../global-options.js';
import { registerSystemBoot } from './system-boot.js';

export function registerSystem(program: Command): void {
  const system = program.command('system').description('Check and describe the embedded engine');

  system.command('doctor')
    .description('Check that this machine can run the embedded engine')
    .option('--format <format>', 'Format the output. Values: [text | json]', 'text')
    .option('--repair', 'Also repair the state root: rebuild a damaged image index, move damaged records aside, remove leftovers', false)
    .action(async (opts: { format: string; repair: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      const root = resolveStateRoot({ flag: globals.root, env: process.env });
      const repaired = opts.repair ? await repairStateFiles(root) : undefined;
      if (repaired && opts.format !== 'json') process.stdout.write(`State root ${root}:\n${repaired.length ? repaired.map((l) => ` ${l}\n`).join('') : ' nothing to repair\n'}\n`);
      const report = await runDoctor({ root });
      process.stdout.write(opts.format === 'json' ? `${JSON.stringify(repaired ? { ...report, repaired } : report, null, 2)}\n` : renderDoctorReport(report));
      if (!report.ok) throw new TscError('DOCTOR_FAILED', 'a required check failed: see "To fix" above');
    });

  registerSystemBoot(system);

  system.command('info')
    .description('Display system-wide information')
    .action(async (_opts: unknown, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      const engine = await openEngine(globals);
      try {
        const containers = await engine.containers.list({ all: true });
        const images = await engine.images.list();
        const running = containers.filter((c) => c.state.running && !c.state.paused).length;
        const paused = containers.filter((c) => c.state.paused).length;
        const projects = new Set(containers.map((c) => c.labels[LABEL.project]).filter(Boolean));
        process.stdout.write(renderInfo({
          root: resolveStateRoot({ flag: globals.root, env: process.env }),
          runtime: 'runc',
          cgroupVersion: cgroupVersion(),
          containers: { total: containers.length, running, paused, stopped: containers.length - running - paused },
          images: images.length,
          projects: projects.size,
        }));
      } finally {
        await engine.close();
      }
    });
}

export interface InfoFacts {
  root: string;
  runtime: string;
  cgroupVersion: string;
  containers: { total: number; running: number; paused: number; stopped: number };
  images: number;
  projects: number;
}

/** `docker info`'s layout, shortened to what the embedded engine has. */
export function renderInfo(f: InfoFacts): string {
  return [
    'Server:',
    ' Engine: embedded (no daemon)',
    ` Containers: ${f.containers.total}`,
    `  Running: ${f.containers.running}`,
    `  Paused: ${f.containers.paused}`,
    `  Stopped: ${f.containers.stopped}`,
    ` Images: ${f.images}`,
    ` Projects: ${f.projects}`,
    ' Storage Driver: overlay',
    ` Cgroup Version: ${f.cgroupVersion}`,
    ` Default Runtime: ${f.runtime}`,
    ` Root Dir: ${f.root}`,
    '',
  ].join('\n');
}

function cgroupVersion(): string {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  };
  const v = parseCgroups(read('/proc/self/mountinfo') ?? '', read).version;
  return v === 'v2' ? '2' : v === 'v1' || v === 'hybrid' ? '1' : 'none';
}
