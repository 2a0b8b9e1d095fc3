// `npm run demo`: builds and packages LeakLens, installs it into a real VS Code (code-server,
// installed on first use into .vscode-test/), and serves the workbench on localhost with the
// bundled sample capture open in LeakLens. Ctrl+C stops everything it started.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const samples = join(root, 'samples');
const sample = join(samples, 'mitmproxy_hardump.har');
const state = join(root, '.vscode-test/demo');

function step(message) {
  console.log(`\n▶ ${message}`);
}

step('building and packaging the extension (leaklens.vsix)');
execFileSync('npm', ['run', '--silent', 'package'], { cwd: root, stdio: 'inherit' });

step('a real VS Code (code-server; installed on first use, a few minutes)');
const env = { ...process.env };
const exports = execFileSync('bash', [join(root, 'scripts/vscode-tools.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
for (const line of exports.split('\n')) {
  const m = /^export (\w+)="(.*)"$/.exec(line);
  if (m) env[m[1]] = m[2].replace('$PATH', process.env.PATH ?? '');
}
delete env.npm_config_nodedir;
const codeServer = env.LEAKLENS_CODE_SERVER;

// Fresh state each time: the demo shows what a new user sees.
rmSync(state, { recursive: true, force: true });
const userData = join(state, 'user-data');
const extensions = join(state, 'extensions');
mkdirSync(join(userData, 'User'), { recursive: true });
writeFileSync(join(userData, 'User/settings.json'), JSON.stringify({
  // Quiet offline defaults shared with the e2e tests.
  ...JSON.parse(readFileSync(join(root, 'scripts/vscode-user-settings.json'), 'utf8')),
  // The sample is opened through the URL's `openFile`, which asks for the text editor otherwise.
  'workbench.editorAssociations': { '*.har': 'leaklens.captureEditor' },
}, null, 2));
const common = ['--user-data-dir', userData, '--extensions-dir', extensions];
const installed = spawnSync(codeServer, ['--install-extension', join(root, 'leaklens.vsix'), ...common], { env, encoding: 'utf8' });
if (installed.status !== 0) {
  console.error(installed.stdout, installed.stderr);
  process.exit(1);
}

const port = Number(process.env.PORT) || await new Promise((done, fail) => {
  const server = createServer();
  server.once('error', fail);
  server.listen(0, '127.0.0.1', () => {
    const { port: free } = server.address();
    server.close(() => done(free));
  });
});

step('starting VS Code');
// Its own process group, so Ctrl+C takes code-server's children (file watcher, extension host) too.
const child = spawn(codeServer, [
  '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
  '--disable-workspace-trust', '--disable-getting-started-override', ...common,
], { env, detached: true, stdio: ['ignore', 'inherit', 'inherit'] });

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping VS Code…');
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    process.exit(0);
  }, 3000).unref();
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
child.on('exit', (code) => {
  if (!stopping) console.error(`code-server exited (${code})`);
  process.exit(stopping ? 0 : 1);
});

for (let tries = 0; ; tries++) {
  try {
    if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
  } catch {
    // not up yet
  }
  if (tries > 300) {
    console.error('code-server did not come up in 60 s');
    stop();
  }
  await new Promise((done) => setTimeout(done, 200));
}
const url = `http://127.0.0.1:${port}/?${new URLSearchParams({
  folder: samples,
  payload: JSON.stringify([['openFile', `vscode-remote://127.0.0.1:${port}${sample}`]]),
})}`;
console.log(`\nLeakLens is running in VS Code at\n\n    ${url}\n\nwith ${sample.slice(root.length + 1)} open in LeakLens. Ctrl+C stops it.`);
