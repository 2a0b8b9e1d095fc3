import type { ChildProcess } from 'node:child_process';

export function vscodeToolsEnv(root: string): NodeJS.ProcessEnv;

export interface StartedCodeServer {
  port: number;
  origin: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function startCodeServer(options: {
  root: string;
  /** Folder for this run's user data and extensions. */
  dir: string;
  vsix?: string;
  /** Lets a URL payload run extension tests (extensionDevelopmentPath / extensionTestsPath). */
  smokeTestDriver?: boolean;
  settings?: Record<string, unknown>;
  port?: number;
  /** A file for code-server's output; the terminal when absent. */
  log?: string;
  /** Keep VS Code's workspace trust on (folders open in Restricted Mode until trusted). */
  workspaceTrust?: boolean;
}): Promise<StartedCodeServer>;
