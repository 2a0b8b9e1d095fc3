// One way to run code-server, shared by `npm run demo` and the end-to-end tests: the tools
// environment from vscode-tools.sh, fresh user-data and extensions folders with quiet settings,
// an optional vsix installed first, a free port, code-server in its own process group, and a
// stop() that takes the whole group down.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Installs the tools on first use and returns the environment they need. */
export function vscodeToolsEnv(root) {
  const exports = execFileSync('bash', [join(root, 'scripts/vscode-tools.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const env = { ...process.env };
  for (const line of exports.split('\n')) {
    const m = /^export (\w+)="(.*)"$/.exec(line);
    if (m) env[m[1]] = m[2].replace('$PATH', process.env.PATH ?? '');
  }
  // Our npm config names a Node 20 nodedir; code-server's own Node must not inherit it.
  delete env.npm_config_nodedir;
  return env;
}

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

function running(child) {
  return child.exitCode === null && child.signalCode === null;
}

export async function startCodeServer({ root, dir, vsix, smokeTestDriver = false, settings = {}, port, log, workspaceTrust = false }) {
  const env = vscodeToolsEnv(root);
  const codeServer = env.LEAKLENS_CODE_SERVER ?? '';
  const userData = join(dir, 'user-data');
  const extensions = join(dir, 'extensions');
  mkdirSync(join(userData, 'User'), { recursive: true });
  const quiet = JSON.parse(readFileSync(join(root, 'scripts/vscode-user-settings.json'), 'utf8'));
  writeFileSync(join(userData, 'User/settings.json'), JSON.stringify({ ...quiet, ...settings }, null, 2));
  const common = ['--user-data-dir', userData, '--extensions-dir', extensions];
  if (vsix) {
    const installed = spawnSync(codeServer, ['--install-extension', vsix, ...common], { env, encoding: 'utf8' });
    if (installed.status !== 0) throw new Error(`installing ${vsix} failed:\n${installed.stdout}\n${installed.stderr}`);
  }
  const chosenPort = port || (await freePort());
  const args = [
    '--bind-addr', `127.0.0.1:${chosenPort}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
    '--disable-getting-started-override', ...common,
  ];
  // Off unless a test looks at Restricted Mode: a trust prompt would stand in every other scenario's way.
  if (!workspaceTrust) args.push('--disable-workspace-trust');
  if (smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  // Its own process group: code-server's children (file watcher, extension host) go with it.
  const output = log ? openSync(log, 'a') : 'inherit';
  const child = spawn(codeServer, args, { env, detached: true, stdio: ['ignore', output, output] });
  if (typeof output === 'number') closeSync(output);
  const exited = new Promise((done) => child.once('exit', () => done()));
  const origin = `http://127.0.0.1:${chosenPort}`;
  const killGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // the group is gone
    }
  };
  const stop = async () => {
    // The wrapper may be gone while its children (extension host, watcher) live on: always signal the group.
    killGroup('SIGTERM');
    const timer = setTimeout(() => killGroup('SIGKILL'), 5000);
    if (running(child)) await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!running(child)) {
      await stop();
      throw new Error(`code-server exited (${child.exitCode ?? child.signalCode}) before it answered${log ? `; see ${log}` : ''}`);
    }
    try {
      if ((await fetch(`${origin}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer on ${origin} within 60 s${log ? `; see ${log}` : ''}`);
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  return { port: chosenPort, origin, child, stop };
}
