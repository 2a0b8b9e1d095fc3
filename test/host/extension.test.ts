// Inside the real extension host (code-server's), through the VS Code API: activation, commands,
// the custom editors on corpus captures, and the settings the scan reads.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { LeakLensApi } from '../../extension/extension';
import { anchorOf, findingRefOf } from '../../extension/core/annotations/anchor';
import { emptySidecar, serializeSidecar } from '../../extension/core/annotations/sidecar';
import { loadCaptureFile } from '../../extension/core/load/index';
import { scanCapture } from '../../extension/core/scan';
import type { OpenCapture } from '../../extension/editor/captureEditorProvider';

const EXTENSION_ID = 'leaklens.leaklens';
const CORPUS = process.env.LEAKLENS_CORPUS ?? '';
const IMEI = '868715392756833';

async function api(): Promise<LeakLensApi> {
  const extension = vscode.extensions.getExtension<LeakLensApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is installed in the extension host`);
  return extension.activate();
}

/** Polls until `probe` gives a value (no fixed sleeps): the host works asynchronously. */
async function until<T>(what: () => string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function scanned(leaklens: LeakLensApi, uri: vscode.Uri, what = 'a scan', test: (c: OpenCapture) => boolean = () => true): Promise<OpenCapture> {
  return until(() => `${what} of ${uri.fsPath} (open: ${JSON.stringify(leaklens.openCaptures().map((c) => [c.uri, c.scan?.defaultRegion, c.scan?.knownValues]))})`,
    () => leaklens.openCaptures().find((c) => c.uri === uri.toString() && c.scan !== undefined && test(c)));
}

function activeCustomEditor(): vscode.TabInputCustom | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom ? input : undefined;
}

describe('LeakLens in the extension host', () => {
  const har = vscode.Uri.file(join(CORPUS, 'generated/har/mitmproxy_hardump.har'));
  const tshark = vscode.Uri.file(join(CORPUS, 'generated/pcap/telemetry_small.tshark.json'));

  before(() => assert.ok(CORPUS, 'LEAKLENS_CORPUS is passed to the extension host'));
  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('activates and returns its API', async () => {
    const leaklens = await api();
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
    assert.equal(typeof leaklens.openCaptures, 'function');
  });

  it('registers its command and both custom editors', async () => {
    await api();
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('leaklens.openInLeakLens'));
    assert.ok(commands.includes('leaklens.exportAdvisory'));
    // Both view types are registered providers: the workbench opens each file in its editor.
    const editors: string[] = [];
    for (const [uri, viewType] of [[har, 'leaklens.captureEditor'], [tshark, 'leaklens.tsharkEditor']] as const) {
      await vscode.commands.executeCommand('vscode.openWith', uri, viewType);
      editors.push(await until(() => `the ${viewType} tab`, () => (activeCustomEditor()?.viewType === viewType ? viewType : undefined)));
    }
    assert.deepEqual(editors.sort(), ['leaklens.captureEditor', 'leaklens.tsharkEditor']);
  });

  it('opens a corpus HAR in the LeakLens editor and scans it', async () => {
    const leaklens = await api();
    await vscode.commands.executeCommand('vscode.openWith', har, 'leaklens.captureEditor');
    const open = await scanned(leaklens, har);
    assert.equal(activeCustomEditor()?.viewType, 'leaklens.captureEditor');
    assert.equal(open.format, 'har');
    assert.ok(open.exchanges > 0);
    assert.ok((open.scan?.total ?? 0) > 0, 'findings');
    assert.ok(open.scan?.byKind.some((k) => k.kind === 'imei'));
    assert.equal(open.scan?.defaultRegion, 'CN', 'region from the capture\'s IMSI');
  });

  it('"LeakLens: Export Advisory" writes the markdown advisory of a capture, values masked, and opens its preview', async () => {
    await api();
    const out = vscode.Uri.file(join(tmpdir(), `leaklens-advisory-${process.pid}-${Date.now()}.md`));
    const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('leaklens.exportAdvisory', har, out);
    assert.equal(written?.toString(), out.toString());
    const markdown = new TextDecoder().decode(await vscode.workspace.fs.readFile(out));
    assert.match(markdown, /over plain HTTP/);
    assert.match(markdown, /CWE-319/);
    assert.ok(markdown.includes('86871539••••833'), 'the IMEI masked');
    assert.ok(!markdown.includes(IMEI), 'never the IMEI in full');
    assert.match(markdown, /base64 → gzip → json:\$\.imsi/, 'the decode chain of the gzip body');
    await until(() => 'the markdown preview', () => (vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => /Preview/.test(t.label))) ? true : undefined));
  });

  it('opens a tshark JSON through the "Open in LeakLens" command', async () => {
    const leaklens = await api();
    await vscode.commands.executeCommand('leaklens.openInLeakLens', tshark);
    const open = await scanned(leaklens, tshark);
    assert.equal(activeCustomEditor()?.viewType, 'leaklens.tsharkEditor');
    assert.equal(open.format, 'tshark-json');
    assert.ok((open.scan?.total ?? 0) > 0);
  });

  it('reads leaklens.phoneRegion and leaklens.knownValues, and rescans open captures when they change', async () => {
    const leaklens = await api();
    const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('leaklens');
    await vscode.commands.executeCommand('vscode.openWith', har, 'leaklens.captureEditor');
    await scanned(leaklens, har);
    try {
      await config().update('phoneRegion', 'DE', vscode.ConfigurationTarget.Global);
      await config().update('knownValues', { imei: IMEI }, vscode.ConfigurationTarget.Global);
      const rescanned = await scanned(leaklens, har, 'a rescan with region DE and one known value', (c) => c.scan?.defaultRegion === 'DE' && c.scan.knownValues === 1);
      assert.equal(rescanned.scan?.regionFromSetting, true);
    } finally {
      await config().update('phoneRegion', undefined, vscode.ConfigurationTarget.Global);
      await config().update('knownValues', undefined, vscode.ConfigurationTarget.Global);
    }
    const restored = await scanned(leaklens, har, 'a rescan back with the defaults', (c) => c.scan?.defaultRegion === 'CN' && c.scan.knownValues === 0);
    assert.equal(restored.scan?.knownValues, 0);
  });

  it('picks up a sidecar changed on disk (git checkout, another window): annotations, judgements and known values; a broken one is reported and left alone', async () => {
    const leaklens = await api();
    // A copy: the corpus is never written, and the sidecar goes beside the capture.
    const folder = mkdtempSync(join(tmpdir(), 'leaklens-sidecar-'));
    const copy = vscode.Uri.file(join(folder, 'capture.har'));
    copyFileSync(har.fsPath, copy.fsPath);
    const sidecarPath = `${copy.fsPath}.leaklens.json`;
    await vscode.commands.executeCommand('vscode.openWith', copy, 'leaklens.captureEditor');
    const first = await scanned(leaklens, copy);
    assert.equal(first.sidecar.status, 'none');
    const total = first.scan?.total ?? 0;

    const capture = loadCaptureFile(copy.fsPath);
    const upload = capture.exchanges[4];
    const anchor = anchorOf(upload);
    const result = scanCapture(capture);
    const imsi = result.findings.find((f) => f.exchangeId === 4 && f.kind === 'imsi');
    assert.ok(imsi, 'the upload leaks the IMSI');
    const sidecar = emptySidecar('capture.har');
    sidecar.annotations.push({
      id: 'ext1', exchanges: [anchor], severity: 'high', title: 'Written by another window', notes: '', tags: [],
      findings: [findingRefOf(imsi)], created: '2026-11-22T00:00:00.000Z', updated: '2026-11-22T00:00:00.000Z',
    });
    sidecar.findingStates.push({ exchange: anchor, finding: findingRefOf(imsi), state: 'expected', reason: 'consented' });
    writeFileSync(sidecarPath, serializeSidecar(sidecar));
    const reloaded = await scanned(leaklens, copy, 'the sidecar picked up', (c) => c.sidecar.annotations.includes('Written by another window'));
    assert.equal(reloaded.sidecar.judged, 1);
    assert.equal(reloaded.scan?.total, total - 1, 'the judged IMSI left out of the counts');
    // Known values in the sidecar: the capture is rescanned with them.
    sidecar.knownValues = { imei: IMEI };
    writeFileSync(sidecarPath, serializeSidecar(sidecar));
    await scanned(leaklens, copy, 'a rescan with the sidecar\'s known value', (c) => c.scan?.knownValues === 1);

    // A broken file: reported, annotating off, the file as it was.
    const broken = '{ "version": 1, "capture": ';
    writeFileSync(sidecarPath, broken);
    const failed = await scanned(leaklens, copy, 'the broken sidecar reported', (c) => c.sidecar.status === 'error');
    assert.match(failed.sidecar.error, /capture\.har\.leaklens\.json/);
    assert.equal(readFileSync(sidecarPath, 'utf8'), broken, 'left untouched');

    // Deleted (a checkout of a branch without it): no annotations.
    rmSync(sidecarPath);
    await scanned(leaklens, copy, 'the deleted sidecar noticed', (c) => c.sidecar.status === 'none' && c.sidecar.annotations.length === 0 && c.scan?.knownValues === 0);
  });
});
