// Capture and sidecar text in VS Code notifications and SARIF messages: no link can form, and
// control and bidi characters are shown as escapes.
import assert from 'node:assert/strict';
import { sarifText } from '../../../extension/core/report/sarif';
import { inertNotificationText } from '../../../extension/editor/notify';

describe('text from captures in notifications and SARIF', () => {
  it('notifications: no markdown link, control and bidi characters escaped, line breaks kept', () => {
    const text = inertNotificationText('title [Open](command:workbench.action.terminal.new) \u202Egnp.exe nul\u0000 lone\uD800\nnext line');
    assert.equal(text, 'title [Open] (command:workbench.action.terminal.new) \\u202egnp.exe nul\\u0000 lone\\ud800\nnext line');
  });

  it('SARIF messages: one line, brackets escaped (no embedded link), controls and bidi escaped', () => {
    assert.equal(sarifText('x [click](https://attacker.example/) \u202Ey\r\nz\u001b[31m'), 'x \\[click\\](https://attacker.example/) \\u202ey\\nz\\u001b\\[31m');
  });
});
