// A real VS Code for end-to-end tests: code-server (installed on first use by
// scripts/vscode-tools.sh into .vscode-test/) driven through Debian's Chromium by playwright-core.
// Each start gets fresh user-data and extensions folders; stop() kills the whole process group.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = resolve(__dirname, '../../..');
export const CORPUS = process.env.LEAKLENS_CORPUS ?? resolve(ROOT, '../shared/corpus');
/** Screenshots and logs of every run (git-ignored). */
export const OUTPUT = join(ROOT, 'test-output/e2e');

let toolsEnv: NodeJS.ProcessEnv | undefined;

/** Installs the tools on first use and returns the environment they need. */
export function vscodeTools(): NodeJS.ProcessEnv {
  if (toolsEnv) return toolsEnv;
  const exports = execFileSync('bash', [join(ROOT, 'scripts/vscode-tools.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const line of exports.split('\n')) {
    const m = /^export (\w+)="(.*)"$/.exec(line);
    if (m) env[m[1]] = m[2].replace('$PATH', process.env.PATH ?? '');
  }
  // Our npm config names a Node 20 nodedir; code-server's own Node must not inherit it.
  delete env.npm_config_nodedir;
  return (toolsEnv = env);
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

export interface CodeServer {
  port: number;
  origin: string;
  /** Folder with this run's user data, extensions and code-server log. */
  dir: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** A .vsix to install first. */
  vsix?: string;
  /** Lets a URL payload run extension tests (extensionDevelopmentPath / extensionTestsPath). */
  smokeTestDriver?: boolean;
  settings?: Record<string, unknown>;
}

/** Quiet offline defaults, shared with `npm run demo`. */
const QUIET_SETTINGS = JSON.parse(readFileSync(join(ROOT, 'scripts/vscode-user-settings.json'), 'utf8')) as Record<string, unknown>;

export async function startCodeServer(options: StartOptions = {}): Promise<CodeServer> {
  const env = vscodeTools();
  const codeServer = env.LEAKLENS_CODE_SERVER ?? '';
  const dir = mkdtempSync(join(tmpdir(), 'leaklens-vscode-'));
  const userData = join(dir, 'user-data');
  const extensions = join(dir, 'extensions');
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(join(userData, 'User/settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...options.settings }, null, 2));
  const common = ['--user-data-dir', userData, '--extensions-dir', extensions];
  if (options.vsix) {
    const installed = spawnSync(codeServer, ['--install-extension', options.vsix, ...common], { env, encoding: 'utf8' });
    if (installed.status !== 0) throw new Error(`installing ${options.vsix} failed:\n${installed.stdout}\n${installed.stderr}`);
  }
  const port = await freePort();
  const args = [
    '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--disable-getting-started-override', ...common,
  ];
  if (options.smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  const log = createWriteStream(join(dir, 'code-server.log'));
  // Its own process group: code-server's children (file watcher, extension host) go with it.
  const child: ChildProcess = spawn(codeServer, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const origin = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}; see ${join(dir, 'code-server.log')}`);
    try {
      if ((await fetch(`${origin}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer on ${origin} within 60 s; see ${join(dir, 'code-server.log')}`);
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  return { port, origin, dir, stop };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.LEAKLENS_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(OUTPUT, { recursive: true });
  const file = join(OUTPUT, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** The workbench URL for a folder, with an optional smoke-test-driver payload. */
export function workbenchUrl(server: CodeServer, folder: string, payload?: [string, string][]): string {
  const query = new URLSearchParams({ folder });
  if (payload) query.set('payload', JSON.stringify(payload));
  return `${server.origin}/?${query.toString()}`;
}
