// `system doctor`'s text: the engine's doctor returns the checks, this prints them.
import type { DoctorReport } from '../../engines/embedded/doctor.js';

/** A `docker info`-like text: one line per check, then the fixes. */
export function renderDoctorReport(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const lines = report.checks.map((c) => ` ${(c.ok ? 'ok' : c.optional ? 'warn' : 'FAIL').padEnd(5)} ${c.name.padEnd(width)}  ${c.detail}`);
  const fixes = report.checks.filter((c) => !c.ok && c.fix).map((c) => `  ${c.name}: ${c.fix}`);
  return [
    'Embedded engine:',
    ...lines,
    ...(fixes.length ? ['', 'To fix:', ...fixes] : []),
    '',
    report.ok ? 'This machine can run the embedded engine.' : 'This machine cannot run the embedded engine yet (or use --engine docker).',
    '',
  ].join('\n');
}
