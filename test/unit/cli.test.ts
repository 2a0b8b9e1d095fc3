import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { EXIT_BAD_INPUT, EXIT_OK, EXIT_USAGE, printable, runCli } from '../../extension/cli';
import { corpusPath } from './corpus';

function run(args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runCli(args, { out: (t) => { out += t + '\n'; }, err: (t) => { err += t + '\n'; } });
  if (typeof code !== 'number') throw new Error('this command runs threads');
  return { code, out, err };
}

describe('leaklens CLI', () => {
  it('inspect prints format, producer, counts and a request table', () => {
    const { code, out } = run(['inspect', corpusPath('generated/har/mitmproxy_hardump.har')]);
    assert.equal(code, EXIT_OK);
    assert.match(out, /mitmproxy_hardump\.har: har 1\.2 by mitmproxy har_dump 0\.1/);
    assert.match(out, /12 exchanges to 5 hosts, 0 warnings/);
    assert.match(out, /POST\s+200\s+api\.account\.miphone\.test\s+\d+\s+\/api\/v2\/account\/bind/);
  });

  it('inspect --json prints the model with bodies as text or base64', () => {
    const { code, out } = run(['inspect', '--json', corpusPath('public/har/harviewer__svg.base64.har')]);
    assert.equal(code, EXIT_OK);
    const model = JSON.parse(out);
    assert.equal(model.format, 'har');
    const body = model.exchanges[0].response.body;
    assert.equal(typeof body.byteLength, 'number');
    assert.ok(typeof body.text === 'string' || typeof body.base64 === 'string');
    assert.equal(model.exchanges[0].request.body, undefined);
  });

  it('exits 2 on bad usage and 3 on unreadable or invalid input, message on stderr', () => {
    assert.equal(run([]).code, EXIT_USAGE);
    assert.equal(run(['frobnicate']).code, EXIT_USAGE);
    assert.equal(run(['inspect']).code, EXIT_USAGE);
    assert.equal(run(['inspect', '--bogus', 'x.har']).code, EXIT_USAGE);
    const bad = run(['inspect', corpusPath('public/har/harviewer__not-json.har')]);
    assert.equal(bad.code, EXIT_BAD_INPUT);
    assert.equal(bad.out, '');
    assert.match(bad.err, /harviewer__not-json\.har \(line 8, column 5\)/);
    assert.equal(run(['inspect', '/no/such/file.har']).code, EXIT_BAD_INPUT);
  });

  it('escapes control and bidi characters from captures before they reach the terminal', () => {
    assert.equal(printable('a\u001b[31mb\u202Ec'), 'a\\u001b[31mb\\u202ec');
  });

  it('the built binary runs with the same exit codes', function () {
    const cli = resolve(process.cwd(), 'dist/cli.js');
    const ok = execFileSync(process.execPath, [cli, 'inspect', corpusPath('public/har/mitmproxy__charles.har')], { encoding: 'utf8' });
    assert.match(ok, /Charles Proxy 4\.6\.3/);
    assert.equal(spawnSync(process.execPath, [cli, 'nope']).status, EXIT_USAGE);
    assert.equal(spawnSync(process.execPath, [cli, 'inspect', corpusPath('public/har/mitmproxy__brokenfile.har')]).status, EXIT_BAD_INPUT);
    assert.match(execFileSync(process.execPath, [cli, '--version'], { encoding: 'utf8' }), /^\d+\.\d+\.\d+/);
  });
});
