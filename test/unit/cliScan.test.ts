import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { EXIT_BAD_INPUT, EXIT_LEAK, EXIT_OK, EXIT_USAGE, runCli } from '../../extension/cli';
import { run, runAsync } from './cliRun';
import { corpusPath } from './corpus';


const SAMPLE = corpusPath('generated/har/mitmproxy_hardump.har');
const CLEAN = corpusPath('public/har/mitmproxy__charles.har');
const MULTITOOL_DIR = resolve(process.cwd(), 'node_modules/@microsoft/sarif-multitool-linux');

describe('leaklens scan', () => {
  it('never writes a report over a capture it reads (or its sidecar), and writes reports whole', () => {
    const dir = mkdtempSync(join(tmpdir(), 'leaklens-out-'));
    const capture = join(dir, 'c.har');
    writeFileSync(capture, readFileSync(SAMPLE));
    const before = readFileSync(capture);
    for (const command of ['scan', 'advisory']) {
      const result = run([command, capture, '--out', capture]);
      assert.equal(result.code, EXIT_USAGE, `${command}: ${result.err}`);
      assert.match(result.err, /one of the captures being read/);
      assert.deepEqual(readFileSync(capture), before, `${command} left the capture as it was`);
    }
    writeFileSync(`${capture}.leaklens.json`, '{"version": 1, "capture": {"file": "c.har"}, "annotations": [], "findingStates": []}\n');
    assert.equal(run(['advisory', capture, '--out', `${capture}.leaklens.json`]).code, EXIT_USAGE, 'nor its sidecar');
    const out = join(dir, 'report.json');
    assert.equal(run(['scan', capture, '--format', 'json', '--out', out]).code, EXIT_OK);
    assert.ok(JSON.parse(readFileSync(out, 'utf8')));
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
  });

  it('text: summary line, plain-HTTP flows and findings with their chains', () => {
    const { code, out } = run(['scan', SAMPLE]);
    assert.equal(code, EXIT_OK);
    assert.match(out, /mitmproxy_hardump\.har: har by mitmproxy har_dump 0\.1, 12 exchanges, \d+ findings .* phone region CN/);
    assert.match(out, /Sent over plain HTTP:\n\s+ad\.adnet-example\.test/);
    assert.match(out, /high\s+imsi\s+460010886207782\s+request_body body \(base64 → gzip → json:\$\.imsi\)/);
    assert.match(out, /\[learned: md5\]/);
  });

  it('json: versioned document; each finding carries its exchange; counts agree', () => {
    const { code, out } = run(['scan', '--format', 'json', SAMPLE, CLEAN]);
    assert.equal(code, EXIT_OK);
    const doc = JSON.parse(out);
    assert.equal(doc.schema, 'leaklens-scan');
    assert.equal(doc.version, 1);
    assert.deepEqual(doc.tool, { name: 'leaklens', version: '9.9.9' });
    assert.equal(doc.files.length, 2);
    const [sample, clean] = doc.files;
    assert.equal(sample.findings.length, sample.summary.findings);
    assert.equal(clean.findings.length, 0);
    for (const f of sample.findings) {
      assert.equal(typeof f.exchange.index, 'number');
      assert.equal(f.exchange.index, f.exchangeId);
      assert.ok(f.exchange.method && f.exchange.host && f.exchange.url);
      assert.equal(typeof f.chainText, 'string');
    }
  });

  it('sarif: valid against the SARIF 2.1.0 schema', () => {
    const { out } = run(['scan', '--format', 'sarif', SAMPLE, corpusPath('public/har/harviewer__not-json.har')]);
    const sarif = JSON.parse(out) as {
      runs: { results: { ruleId: string; ruleIndex: number }[]; tool: { driver: { rules: { id: string }[] } }; invocations: { toolExecutionNotifications: unknown[] }[] }[];
    };
    const schema = JSON.parse(readFileSync(join(MULTITOOL_DIR, 'sarif-2.1.0.json'), 'utf8'));
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const valid = validate(JSON.parse(out));
    assert.ok(valid, JSON.stringify(validate.errors?.slice(0, 5), null, 2));
    const results = sarif.runs[0].results;
    assert.ok(results.length > 10);
    assert.ok(results.every((r) => sarif.runs[0].tool.driver.rules[r.ruleIndex].id === r.ruleId));
    assert.equal(sarif.runs[0].invocations[0].toolExecutionNotifications.length, 1, 'the unreadable file is reported');
  });

  it('sarif: the SARIF Multitool validator accepts it with no errors', function () {
    const tool = join(MULTITOOL_DIR, 'Sarif.Multitool');
    if (!existsSync(tool)) this.skip(); // optional dependency: Linux x64 only
    const dir = mkdtempSync(join(tmpdir(), 'leaklens-sarif-'));
    const file = join(dir, 'scan.sarif');
    assert.equal(run(['scan', '--format', 'sarif', '--out', file, SAMPLE]).code, EXIT_OK);
    const result = spawnSync(tool, ['validate', file], { encoding: 'utf8', timeout: 120_000 });
    const output = `${result.stdout}${result.stderr}`;
    assert.equal(result.status, 0, output);
    assert.doesNotMatch(output, /: error /, output);
    assert.match(output, /Analysis completed successfully/);
  });

  it('--fail-on exits 1 when a leak at that level is found, 0 on a clean capture', () => {
    assert.equal(run(['scan', '--fail-on', 'high', SAMPLE]).code, EXIT_LEAK);
    assert.equal(run(['scan', '--fail-on', 'low', CLEAN]).code, EXIT_OK);
  });

  it('--known and --known-file mark findings as known values; bad values are usage errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'leaklens-known-'));
    const knownFile = join(dir, 'device.json');
    writeFileSync(knownFile, JSON.stringify({ mac: '28:6c:07:c0:35:8f', string: ['Redmi 1S'] }));
    const { code, out } = run(['scan', '--format', 'json', '--known', 'imei=868715392756833', '--known-file', knownFile, SAMPLE]);
    assert.equal(code, EXIT_OK);
    const findings = JSON.parse(out).files[0].findings as { kind: string; known?: { variant: string; learnedFrom?: unknown } }[];
    assert.ok(findings.some((f) => f.kind === 'imei' && f.known && !f.known.learnedFrom));
    assert.ok(findings.some((f) => f.kind === 'known_value'));
    assert.equal(run(['scan', '--known', 'shoesize=44', SAMPLE]).code, EXIT_USAGE);
    assert.equal(run(['scan', '--known-file', join(dir, 'missing.json'), SAMPLE]).code, EXIT_USAGE);
    writeFileSync(knownFile, '[1,2]');
    assert.equal(run(['scan', '--known-file', knownFile, SAMPLE]).code, EXIT_USAGE);
  });

  it('usage errors and unreadable files keep their exit codes', () => {
    assert.equal(run(['scan', '--format', 'xml', SAMPLE]).code, EXIT_USAGE);
    assert.equal(run(['scan', '--fail-on', 'critical', SAMPLE]).code, EXIT_USAGE);
    assert.equal(run(['scan', '--region', 'China', SAMPLE]).code, EXIT_USAGE);
    assert.equal(run(['inspect', '--format', 'json', SAMPLE]).code, EXIT_USAGE);
    assert.equal(run(['scan', corpusPath('public/har/mitmproxy__brokenfile.har')]).code, EXIT_BAD_INPUT);
  });
});

describe('leaklens scan --jobs and progress', () => {
  const files = [
    corpusPath('generated/har/mitmproxy_hardump.har'),
    corpusPath('generated/pcap/telemetry_small.tshark.json'),
    corpusPath('generated/har/playwright_chromium_full.har'),
    corpusPath('generated/har/chrome-har_cdp.har'),
  ];

  it('--jobs 2 scans in threads and writes the same report, in the order given, as one thread', async function () {
    this.timeout(60_000);
    const one = run(['scan', '--format', 'json', '--known', 'imei=868715392756833', '--fail-on', 'high', ...files]);
    const many = await runAsync(['scan', '--jobs', '2', '--format', 'json', '--known', 'imei=868715392756833', '--fail-on', 'high', ...files]);
    assert.equal(many.code, one.code);
    assert.equal(one.code, EXIT_LEAK);
    const strip = (text: string) => JSON.stringify({ ...(JSON.parse(text) as Record<string, unknown>), generated: undefined });
    assert.equal(strip(many.out), strip(one.out));
    assert.deepEqual((JSON.parse(many.out) as { files: { path: string }[] }).files.map((f) => f.path), files);
    assert.ok(many.progress.some((line) => /^\d\/4 files scanned/.test(line)), `progress lines: ${many.progress.slice(0, 3).join(' | ')}`);
    assert.equal(many.progress[many.progress.length - 1], '', 'the progress line is cleared at the end');
  });

  it('--jobs: a file that cannot be read is that file’s problem only (exit 3, the others reported)', async function () {
    this.timeout(60_000);
    const missing = join(tmpdir(), 'leaklens-no-such-file.har');
    const result = await runAsync(['scan', '--jobs', '3', '--format', 'json', files[0], missing, files[1]]);
    assert.equal(result.code, EXIT_BAD_INPUT);
    assert.match(result.err, /leaklens-no-such-file\.har: cannot read the file \(ENOENT\)/);
    const report = JSON.parse(result.out) as { files: { path: string; error?: string; findings?: unknown[] }[] };
    assert.deepEqual(report.files.map((f) => [f.path, f.error === undefined]), [[files[0], true], [missing, false], [files[1], true]]);
  });

  it('--jobs: a thread that dies fails the file it was scanning, and only that file; the run goes on', async function () {
    this.timeout(60_000);
    // Threads that die on one file (as an out-of-memory abort would) and scan the others normally.
    const dir = mkdtempSync(join(tmpdir(), 'leaklens-jobs-'));
    const script = join(dir, 'crashy.js');
    writeFileSync(script, `
      require('node:worker_threads').parentPort.on('message', ({ job }) => {
        if (job.path.endsWith('mitmproxy_hardump.har')) process.exit(70);
      });
      require(${JSON.stringify(resolve(process.cwd(), 'dist/cli.js'))});
    `);
    let out = '';
    let err = '';
    const code = await runCli(['scan', '--jobs', '2', '--format', 'json', files[0], files[1], files[2]], { out: (t) => { out += t; }, err: (t) => { err += t; }, workerScript: script });
    assert.equal(code, EXIT_BAD_INPUT);
    assert.match(err, /mitmproxy_hardump\.har: could not be processed \(its scanning thread stopped: exit code 70\)/);
    const report = JSON.parse(out) as { files: { path: string; error?: string; findings?: unknown[] }[] };
    assert.deepEqual(report.files.map((f) => [f.path, f.error === undefined]), [[files[0], false], [files[1], true], [files[2], true]]);
    assert.ok((report.files[1].findings ?? []).length > 0, 'the other files were scanned');
  });

  it('progress on a terminal: percent of bytes, exchanges and findings so far, cleared at the end', () => {
    const progress: string[] = [];
    let out = '';
    const code = runCli(['scan', files[0]], { out: (t) => { out += t; }, err: () => {}, progress: (t) => progress.push(t) });
    assert.equal(code, EXIT_OK);
    // Findings so far: those waiting for the capture's phone region come after the last progress line.
    assert.ok(progress.some((p) => /^mitmproxy_hardump\.har: 100% · 12 exchanges · [1-9]\d* findings$/.test(p)), progress.join(' | '));
    assert.equal(progress[progress.length - 1], '');
    assert.match(out, /63 findings/);
  });

  it('--jobs takes a number from 1 to 256', () => {
    for (const bad of ['0', '-1', 'many', '257', '1.5']) {
      const { code, err } = run(['scan', '--jobs', bad, files[0]]);
      assert.equal(code, EXIT_USAGE, bad);
      assert.match(err, /--jobs takes a number of threads from 1 to 256/);
    }
    assert.equal(run(['advisory', '--jobs', '2', files[0]]).code, EXIT_USAGE);
  });
});
