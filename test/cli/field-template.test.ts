// `--format TEMPLATE` of ps and stats: the part of Go templates scripts use, the rest refused.
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { renderFieldTemplate } from '../../src/cli/format/field-template.js';

const s = suite('field template');
const ROWS = [{ Name: 'p-web-1', State: 'running', ExitCode: 0, Publishers: [{ URL: '0.0.0.0', TargetPort: 80 }] }, { Name: 'p-job-1', State: 'exited', ExitCode: 3, Publishers: [] }];
const HEADERS = { Name: 'NAME', ExitCode: 'EXIT CODE' };

s('{{.Field}} between text, a line per row; \\t is a tab', () => {
  assert.is(renderFieldTemplate(ROWS, '{{.Name}}\\t{{ .ExitCode }}', HEADERS, 'x'), 'p-web-1\t0\np-job-1\t3\n');
});

s('table TEMPLATE: headers by name (or the field split into words), columns aligned', () => {
  assert.is(renderFieldTemplate(ROWS, 'table {{.Name}}\\t{{.State}}\\t{{.ExitCode}}', HEADERS, 'x'),
    'NAME      STATE     EXIT CODE\np-web-1   running   0\np-job-1   exited    3\n');
});

s('json . and json .Field; structs and slices as Go prints them', () => {
  assert.is(renderFieldTemplate(ROWS.slice(0, 1), '{{json .Publishers}} {{.Publishers}}', HEADERS, 'x'), '[{"URL":"0.0.0.0","TargetPort":80}] [{0.0.0.0 80}]\n');
  assert.equal(JSON.parse(renderFieldTemplate(ROWS.slice(1), '{{json .}}', HEADERS, 'x')), ROWS[1]);
});

s('an unknown field or another action is a usage error, not text printed as written', () => {
  assert.throws(() => renderFieldTemplate(ROWS, '{{.Nope}}', HEADERS, 'stats'), /^template: can't evaluate field Nope in type stats$/);
  assert.throws(() => renderFieldTemplate(ROWS, '{{range .}}x{{end}}', HEADERS, 'x'), /unsupported action \{\{range \.\}\}/);
  assert.throws(() => renderFieldTemplate([], '{{.Nope}}', HEADERS, 'x'), /can't evaluate field Nope/, 'checked with no rows too');
});

s.run();
