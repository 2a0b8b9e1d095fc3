// A real VS Code for end-to-end tests: code-server (installed on first use by
// scripts/vscode-tools.sh into .vscode-test/) driven through Debian's Chromium by playwright-core.
// Each start gets fresh user-data and extensions folders; stop() kills the whole process group.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startCodeServer as start } from '../../scripts/code-server.mjs';

export const ROOT = resolve(__dirname, '../../..');
export const CORPUS = process.env.LEAKLENS_CORPUS ?? resolve(ROOT, '../shared/corpus');
/** Screenshots and logs of every run (git-ignored). */
export const OUTPUT = join(ROOT, 'test-output/e2e');

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
  /** Keep VS Code's workspace trust on (folders open in Restricted Mode until trusted). */
  workspaceTrust?: boolean;
}

export async function startCodeServer(options: StartOptions = {}): Promise<CodeServer> {
  const dir = mkdtempSync(join(tmpdir(), 'leaklens-vscode-'));
  const server = await start({ root: ROOT, dir, log: join(dir, 'code-server.log'), ...options });
  return { port: server.port, origin: server.origin, dir, stop: server.stop };
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
