import { suite } from '../harness.js';
import * as assert from 'uvu/assert';
import { renderDoctorReport } from '../../src/cli/format/doctor-report.js';

const s = suite('doctor-format');

s('renderer: one line per check, fixes after', () => {
  const text = renderDoctorReport({
    ok: false,
    checks: [
      { name: 'root', ok: true, detail: 'running as root' },
      { name: 'OCI runtime', ok: false, detail: 'neither runc nor crun found in PATH', fix: 'apt-get install runc conmon' },
      { name: 'tini', ok: false, optional: true, detail: 'tini not found in PATH', fix: 'apt-get install tini' },
    ],
  });
  assert.is(text, [
    'Embedded engine:',
    ' ok    root         running as root',
    ' FAIL  OCI runtime  neither runc nor crun found in PATH',
    ' warn  tini         tini not found in PATH',
    '',
    'To fix:',
    '  OCI runtime: apt-get install runc conmon',
    '  tini: apt-get install tini',
    '',
    'This machine cannot run the embedded engine yet (or use --engine docker).',
    '',
  ].join('\n'));
});

s.run();
