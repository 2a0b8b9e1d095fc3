// `npm run demo`: builds and packages LeakLens, installs it into a real VS Code (code-server,
// installed on first use into .vscode-test/), and serves the workbench on localhost with the
// bundled sample capture open in LeakLens. Ctrl+C stops everything it started.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startCodeServer } from './code-server.mjs';

const root = resolve(new URL('..', import.meta.url).pathname);
const samples = join(root, 'samples');
const sample = join(samples, 'mitmproxy_hardump.har');
const state = join(root, '.vscode-test/demo');

function step(message) {
  console.log(`\n▶ ${message}`);
}

step('building and packaging the extension (leaklens.vsix)');
execFileSync('npm', ['run', '--silent', 'package'], { cwd: root, stdio: 'inherit' });

step('starting a real VS Code (code-server; installed on first use, a few minutes)');
// Fresh state each time: the demo shows what a new user sees.
rmSync(state, { recursive: true, force: true });
let server;
try {
  server = await startCodeServer({
    root,
    dir: state,
    vsix: join(root, 'leaklens.vsix'),
    port: Number(process.env.PORT) || undefined,
    // The sample is opened through the URL's `openFile`, which asks for the text editor otherwise.
    settings: { 'workbench.editorAssociations': { '*.har': 'leaklens.captureEditor' } },
  });
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping VS Code…');
  await server.stop();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
server.child.on('exit', (code) => {
  if (stopping) return;
  console.error(`code-server exited (${code})`);
  process.exit(1);
});

const url = `${server.origin}/?${new URLSearchParams({
  folder: samples,
  payload: JSON.stringify([['openFile', `vscode-remote://127.0.0.1:${server.port}${sample}`]]),
})}`;
console.log(`\nLeakLens is running in VS Code at\n\n    ${url}\n\nwith ${sample.slice(root.length + 1)} open in LeakLens. Ctrl+C stops it.`);
