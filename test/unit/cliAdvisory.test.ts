import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anchorOf } from '../../extension/core/annotations/anchor';
import { emptySidecar, serializeSidecar } from '../../extension/core/annotations/sidecar';
import { EXIT_BAD_INPUT, EXIT_OK, EXIT_USAGE } from '../../extension/cli';
import { loadCaptureFile } from '../../extension/core/load/index';
import { run } from './cliRun';
import { corpusPath } from './corpus';
import { assertInert } from './core/report/inertMarkdown';


const SAMPLE = corpusPath('generated/har/mitmproxy_hardump.har');
const IMEI = '868715392756833';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'leaklens-advisory-'));
}

describe('leaklens advisory', () => {
  it('writes a masked markdown advisory to standard output', () => {
    const { code, out, err } = run(['advisory', SAMPLE]);
    assert.equal(code, EXIT_OK, err);
    assert.match(out, /^# mitmproxy\\_hardump\\\.har sends IMEI/);
    assert.ok(out.includes('86871539••••833'));
    assert.ok(!out.includes(IMEI));
    assert.match(out, /base64 → gzip → json:\$\.imsi/);
    assertInert(out.replace(/\n$/, ''));
  });

  it('--include-values shows identifiers; --out writes the file and nothing to standard output', () => {
    const dir = tempDir();
    const file = join(dir, 'advisory.md');
    const { code, out } = run(['advisory', '--include-values', '--out', file, SAMPLE]);
    assert.equal(code, EXIT_OK);
    assert.equal(out, '');
    const md = readFileSync(file, 'utf8');
    assert.ok(md.includes(IMEI));
    assert.ok(md.endsWith('\n') && !md.endsWith('\n\n'));
  });

  it('--known values are masked and scanned; --template replaces placeholders', () => {
    const dir = tempDir();
    const template = join(dir, 'template.md');
    writeFileSync(template, '# {{title}}\n\nProduct: {{product}}\n\n{{severityTable}}\n\n{{cwe}}\n\n{{custom}}\n');
    const { code, out } = run(['advisory', '--template', template, '--known', 'string=Redmi 1S', SAMPLE]);
    assert.equal(code, EXIT_OK);
    assert.match(out, /^# /);
    assert.match(out, /\| # \| Issue \| Severity \|/);
    assert.ok(out.includes('{{custom}}'));
    assert.ok(!out.includes('## Appendix'));
    assert.ok(!out.includes('Redmi 1S'), 'the known string is masked in the user agent');
  });

  it('reads the sidecar beside the capture; a broken one is reported and the capture still is', () => {
    const dir = tempDir();
    const capturePath = join(dir, 'capture.har');
    copyFileSync(SAMPLE, capturePath);
    const capture = loadCaptureFile(capturePath);
    const sidecar = emptySidecar('capture.har');
    sidecar.annotations.push({
      id: 'n1', exchanges: [anchorOf(capture.exchanges[0])], severity: 'high', title: 'Registration sends the IMEI in the clear',
      notes: 'Reproduced on MIUI 6.', tags: [], findings: [], created: '2026-11-20T00:00:00.000Z', updated: '2026-11-20T00:00:00.000Z',
    });
    sidecar.advisory = { product: 'Mi Market', researcher: 'R' };
    writeFileSync(`${capturePath}.leaklens.json`, serializeSidecar(sidecar));
    const good = run(['advisory', capturePath]);
    assert.equal(good.code, EXIT_OK, good.err);
    assert.match(good.out, /^### 1\. Registration sends the IMEI in the clear$/m);
    assert.match(good.out, /Reproduced on MIUI 6\./);
    assert.match(good.out, /\*\*Product:\*\* Mi Market/);

    writeFileSync(`${capturePath}.leaklens.json`, '{"version": 1, ');
    const broken = run(['advisory', capturePath]);
    assert.equal(broken.code, EXIT_BAD_INPUT);
    assert.match(broken.err, /capture\.har\.leaklens\.json/);
    assert.match(broken.out, /^### 1\. .*over plain HTTP$/m, 'reported from the scan alone');
  });

  it('usage errors and unreadable captures keep their exit codes', () => {
    assert.equal(run(['advisory']).code, EXIT_USAGE);
    const missing = run(['advisory', '--template', '/nonexistent/t.md', SAMPLE]);
    assert.equal(missing.code, EXIT_USAGE);
    assert.match(missing.err, /--template \/nonexistent\/t\.md: ENOENT/);
    assert.equal(run(['scan', '--include-values', SAMPLE]).code, EXIT_USAGE);
    assert.equal(run(['inspect', '--template', 'x', SAMPLE]).code, EXIT_USAGE);
    const mixed = run(['advisory', corpusPath('public/har/mitmproxy__brokenfile.har'), SAMPLE]);
    assert.equal(mixed.code, EXIT_BAD_INPUT);
    assert.match(mixed.err, /brokenfile\.har/);
    assert.match(mixed.out, /86871539••••833/);
    const none = run(['advisory', corpusPath('public/har/mitmproxy__brokenfile.har')]);
    assert.equal(none.code, EXIT_BAD_INPUT);
    assert.equal(none.out, '');
  });

  it('the usage text documents the command', () => {
    const { out } = run(['--help']);
    assert.match(out, /advisory FILE\.\.\./);
    assert.match(out, /--include-values/);
    assert.match(out, /--template FILE/);
    assert.ok(existsSync(SAMPLE));
  });
});
