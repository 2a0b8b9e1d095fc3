// The architecture rules that ESLint enforces, checked against code that breaks them.
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: process.cwd() });
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.map((m) => m.ruleId ?? m.message);
}

describe('lint rules', () => {
  const importVscode = "import * as vscode from 'vscode';\nexport const x = vscode;\n";
  const requireVscode = "// eslint-disable-next-line @typescript-eslint/no-require-imports\nexport const v: unknown = require('vscode');\n";

  it('forbids vscode in extension/core and webview, by import and by require', async () => {
    for (const file of ['extension/core/load/x.ts', 'webview/x.ts']) {
      assert.ok((await ruleIds(importVscode, file)).includes('no-restricted-imports'), file);
      assert.ok((await ruleIds(requireVscode, file)).includes('no-restricted-syntax'), file);
    }
  });

  it('allows vscode in the extension host wiring', async () => {
    assert.deepEqual(await ruleIds(importVscode, 'extension/editor/x.ts'), []);
  });

  it('forbids HTML sinks in the webview', async () => {
    const ids = await ruleIds('export function f(el: HTMLElement, s: string): void { el.innerHTML = s; el.insertAdjacentHTML("beforeend", s); }\n', 'webview/x.ts');
    assert.equal(ids.filter((id) => id === 'no-restricted-properties').length, 2);
  });
});
