// Tier one of the real-VS-Code tests: mocha inside code-server's extension host (test/host),
// started through the workbench's smoke-test driver as @vscode/test-cli would with Electron.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { format } from 'node:util';
import type { Browser } from 'playwright-core';
import { CORPUS, ROOT, launchChromium, startCodeServer, workbenchUrl, type CodeServer } from './harness';

describe('extension-host tests in code-server', function () {
  this.timeout(240_000);
  let server: CodeServer | undefined;
  let browser: Browser | undefined;

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('pass (mocha inside the real extension host)', async () => {
    server = await startCodeServer({ smokeTestDriver: true });
    browser = await launchChromium();
    const page = await browser.newPage();
    // Formatting a console line is asynchronous: keep every line's promise, in arrival order,
    // and wait for all of them once the tests have exited, so the last lines are not lost.
    const lines: Promise<string | undefined>[] = [];
    page.on('console', (message) => {
      lines.push((async () => {
        const args = await Promise.all(message.args().map((a) => a.jsonValue().catch(() => '')));
        // Extension-host lines arrive as ('%c INFO', css, format, ...args).
        return typeof args[0] === 'string' && args[0].startsWith('%c') && args.length >= 3 ? format(...(args.slice(2) as unknown[])) : undefined;
      })());
    });
    const exitCode = new Promise<number>((done) => void page.exposeFunction('codeAutomationExit', (code: number) => done(code)));
    const remote = (path: string): string => `vscode-remote://127.0.0.1:${server?.port}${path}`;
    await page.goto(workbenchUrl(server, join(CORPUS, 'generated'), [
      ['extensionDevelopmentPath', remote(ROOT)],
      ['extensionTestsPath', remote(join(ROOT, 'dist/test/host/index.js'))],
      ['extensionEnvironment', JSON.stringify({ LEAKLENS_CORPUS: CORPUS })],
    ]));
    const code = await exitCode;
    const report = (await Promise.all(lines)).filter((l) => l !== undefined).join('\n');
    console.log(report.split('\n').map((l) => `      | ${l}`).join('\n'));
    assert.equal(code, 0, `extension-host tests failed (exit ${code}); code-server log in ${server.dir}`);
    assert.match(report, /passing/, 'mocha reported from inside the extension host');
  });
});
