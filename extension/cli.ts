// `leaklens` command line: the same core as the editor, headless.
import { basename } from 'node:path';
import { CaptureLoadError, loadCaptureFile } from './core/load/index';
import { formatLocation } from './core/load/errors';
import type { Capture, Exchange } from './core/model';
import { exchangeHost } from './core/model';
import { captureToJson } from './core/serialize';

export const EXIT_OK = 0;
export const EXIT_USAGE = 2;
export const EXIT_BAD_INPUT = 3;

const USAGE = `Usage: leaklens <command> [options]

Commands:
  inspect FILE...      print format, producer, exchange count, warnings and a table of requests
      --json           print the loaded capture model as JSON instead (bodies as text or base64)

Options:
  -h, --help           show this help
  --version            print the version

Exit codes: 0 ok, 2 bad usage, 3 unreadable or invalid input.`;

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

class UsageError extends Error {}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : text.slice(0, width - 1) + '…';
}

/** Control characters in capture text must not drive the terminal: show them escaped. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function pathOf(exchange: Exchange): string {
  try {
    const u = new URL(exchange.request.url);
    return u.pathname + u.search;
  } catch {
    return exchange.request.url;
  }
}

function bodySize(exchange: Exchange): string {
  const n = exchange.response?.body?.bytes.length ?? 0;
  return n === 0 ? '-' : String(n);
}

function producerText(capture: Capture): string {
  const p = capture.source.producer;
  if (!p) return 'unknown producer';
  return [p.name, p.version, p.comment && p.name === 'tshark' ? p.comment : undefined].filter(Boolean).join(' ');
}

export function inspectText(capture: Capture): string {
  const lines: string[] = [];
  const s = capture.source;
  lines.push(`${basename(s.name)}: ${capture.format}${s.formatVersion ? ` ${s.formatVersion}` : ''} by ${printable(producerText(capture))}` +
    `${s.wrappers.length ? ` [${s.wrappers.join(', ')}]` : ''}, ${s.byteLength} bytes`);
  const hosts = new Set(capture.exchanges.map(exchangeHost));
  lines.push(`${capture.exchanges.length} exchanges to ${hosts.size} hosts, ${capture.warnings.length} warnings`);
  for (const w of capture.warnings) {
    const where = formatLocation(w.location);
    lines.push(`  ${w.severity}: ${printable(w.message)}${where ? ` (${printable(where)})` : ''} [${w.code}]`);
  }
  if (capture.exchanges.length > 0) {
    lines.push('');
    const header = [pad('#', 5), pad('METHOD', 7), pad('STATUS', 6), pad('HOST', 32), pad('SIZE', 8), 'PATH'];
    lines.push(header.join(' '));
    for (const e of capture.exchanges) {
      lines.push([
        pad(String(e.id), 5),
        pad(printable(truncate(e.request.method, 7)), 7),
        pad(e.response ? String(e.response.status) : '-', 6),
        pad(printable(truncate(exchangeHost(e), 32)), 32),
        pad(bodySize(e), 8),
        printable(truncate(pathOf(e), 100)),
      ].join(' '));
    }
  }
  return lines.join('\n');
}

interface Parsed {
  command: string;
  files: string[];
  json: boolean;
}

function parseArgs(argv: readonly string[]): Parsed | 'help' | 'version' {
  if (argv.length === 0) throw new UsageError('no command given');
  const [command, ...rest] = argv;
  if (command === '-h' || command === '--help' || command === 'help') return 'help';
  if (command === '--version') return 'version';
  if (command !== 'inspect') throw new UsageError(`unknown command "${command}"`);
  const parsed: Parsed = { command, files: [], json: false };
  for (const arg of rest) {
    if (arg === '--json') parsed.json = true;
    else if (arg === '-h' || arg === '--help') return 'help';
    else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option "${arg}"`);
    else parsed.files.push(arg);
  }
  if (parsed.files.length === 0) throw new UsageError(`${command} needs at least one FILE`);
  return parsed;
}

export function runCli(argv: readonly string[], io: CliIo, version = '0.0.0'): number {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`leaklens: ${err.message}\n\n${USAGE}`);
      return EXIT_USAGE;
    }
    throw err;
  }
  if (parsed === 'help') {
    io.out(USAGE);
    return EXIT_OK;
  }
  if (parsed === 'version') {
    io.out(version);
    return EXIT_OK;
  }
  let status = EXIT_OK;
  const models: unknown[] = [];
  for (const file of parsed.files) {
    try {
      const capture = loadCaptureFile(file);
      if (parsed.json) models.push(captureToJson(capture));
      else io.out(inspectText(capture) + (parsed.files.length > 1 ? '\n' : ''));
    } catch (err) {
      if (!(err instanceof CaptureLoadError)) throw err;
      io.err(`leaklens: ${printable(err.message)}`);
      status = EXIT_BAD_INPUT;
    }
  }
  if (parsed.json && models.length > 0) io.out(JSON.stringify(models.length === 1 ? models[0] : models, null, 2));
  return status;
}

declare const __LEAKLENS_VERSION__: string | undefined;

if (require.main === module) {
  const version = typeof __LEAKLENS_VERSION__ === 'string' ? __LEAKLENS_VERSION__ : '0.0.0';
  const code = runCli(process.argv.slice(2), {
    out: (t) => process.stdout.write(t + '\n'),
    err: (t) => process.stderr.write(t + '\n'),
  }, version);
  process.exitCode = code;
}
