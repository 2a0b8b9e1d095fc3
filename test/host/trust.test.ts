// Workspace Trust and virtual workspaces, as the real extension host reads the manifest: what
// LeakLens declares, and that each setting it restricts in Restricted Mode is one it contributes.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'leaklens.leaklens';

interface Manifest {
  capabilities?: {
    untrustedWorkspaces?: { supported: boolean | 'limited'; description?: string; restrictedConfigurations?: string[] };
    virtualWorkspaces?: boolean | { supported: boolean | 'limited'; description?: string };
  };
  contributes: { configuration: { properties: Record<string, unknown> } };
}

describe('Workspace Trust and virtual workspaces', () => {
  function manifest(): Manifest {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is installed in the extension host`);
    return extension.packageJSON as Manifest;
  }

  it('declares limited support in untrusted workspaces, restricting only settings it contributes (the template file and the load limits)', () => {
    const untrusted = manifest().capabilities?.untrustedWorkspaces;
    assert.equal(untrusted?.supported, 'limited');
    assert.match(untrusted?.description ?? '', /Restricted Mode/);
    const restricted = untrusted?.restrictedConfigurations ?? [];
    assert.deepEqual([...restricted].sort(), ['leaklens.advisoryTemplate', 'leaklens.maxDecodedMB', 'leaklens.maxExchanges', 'leaklens.streamThresholdMB']);
    const contributed = Object.keys(manifest().contributes.configuration.properties);
    for (const setting of restricted) assert.ok(contributed.includes(setting), `${setting} is a LeakLens setting`);
  });

  it('declares limited support in virtual workspaces, saying what needs local files', () => {
    const virtual = manifest().capabilities?.virtualWorkspaces;
    assert.ok(typeof virtual === 'object' && virtual.supported === 'limited', JSON.stringify(virtual));
    assert.match(virtual.description ?? '', /annotations/i);
  });
});
