// The calling thread's side of the capture worker: starts it, turns its batches back into
// exchanges whose bodies are re-read from the file on access, and resolves to the capture and its
// scan. No VS Code here, so it is tested in plain Node against the built worker.
import { Worker } from 'node:worker_threads';
import { CaptureLoadError } from '../load/errors';
import { exchangeFromTransfer, HarBodyReader, LoadCancelledError } from '../load/stream/index';
import type { DecodeLimits } from '../decode/types';
import type { KnownValue } from '../detect/known';
import type { Capture, Exchange } from '../model';
import type { ScanResult } from '../scan';
import type { FromWorker, JobScan, WorkerJob, WorkerProgress } from './messages';
import type { CaptureTextMarks, PlainTextMarks, PlainTextOptions } from '../view/textFindings';
import { fileStamp } from '../load/stream/source';

export type { WorkerProgress } from './messages';

export interface WorkerLoadOptions {
  /** dist/captureWorker.js (the bundle; the sources cannot run as a worker). */
  workerScript: string;
  /** How errors, warnings and the capture name the file; the path by default. */
  displayName?: string;
  known?: KnownValue[];
  defaultRegion?: string;
  limits?: DecodeLimits;
  maxExchanges?: number;
  chunkBytes?: number;
  batchSize?: number;
  progressMs?: number;
}

export interface WorkerLoadCallbacks {
  onProgress?: (progress: WorkerProgress) => void;
  /** Exchanges as they arrive, in id order; `received` counts all so far. */
  onExchanges?: (exchanges: Exchange[], received: number) => void;
}

export interface WorkerLoad {
  /** Rejects with CaptureLoadError (a file that cannot be read), WorkerLoadCancelledError, or an Error. */
  result: Promise<{ capture: Capture; scan: ScanResult }>;
  /** Ask the worker to stop; the result then rejects with LoadCancelledError unless it was done. */
  cancel(): void;
  /** Stop at once, dropping what was read (the result rejects as cancelled). */
  abort(): void;
}

/** A cancelled load, with what was read before it and its findings when the worker got to say so. */
export class WorkerLoadCancelledError extends LoadCancelledError {
  constructor(file: string, readonly partial?: { capture: Capture; scan: ScanResult }) {
    super(file);
  }
}

/** What every job's scan reads from its caller's options. */
function scanSettingsOf(options: Partial<JobScan>): JobScan {
  return { known: options.known ?? [], defaultRegion: options.defaultRegion, limits: options.limits };
}

/** The worker for a job, or why it could not start (a missing bundle). */
function spawn(script: string, job: WorkerJob): Worker | Error {
  try {
    return new Worker(script, { workerData: job });
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

const DEFAULT_BATCH = 2000;
const DEFAULT_PROGRESS_MS = 200;
/** A worker busy past its last cancellation check (pairing tshark packets, the scan's end) is stopped after this. */
const CANCEL_GRACE_MS = 3000;

export function loadAndScanInWorker(path: string, options: WorkerLoadOptions, callbacks: WorkerLoadCallbacks = {}): WorkerLoad {
  const displayName = options.displayName ?? path;
  const cancelBuffer = new SharedArrayBuffer(4);
  const cancelFlag = new Int32Array(cancelBuffer);
  const job: WorkerJob = {
    kind: 'stream',
    path,
    displayName,
    scan: scanSettingsOf(options),
    maxExchanges: options.maxExchanges,
    cancel: cancelBuffer,
    chunkBytes: options.chunkBytes,
    batchSize: options.batchSize ?? DEFAULT_BATCH,
    progressMs: options.progressMs ?? DEFAULT_PROGRESS_MS,
  };
  const worker = spawn(options.workerScript, job);
  if (worker instanceof Error) return { result: Promise.reject(worker), cancel: () => {}, abort: () => {} };
  // Stamped now, before the worker reads it: a body read later from a file changed since is refused, not shown wrong.
  const reader = new HarBodyReader(path, fileStamp(path));
  const exchanges: Exchange[] = [];
  let settled = false;
  let cancelTimer: ReturnType<typeof setTimeout> | undefined;

  const result = new Promise<{ capture: Capture; scan: ScanResult }>((resolve, reject) => {
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      if (cancelTimer !== undefined) clearTimeout(cancelTimer);
      void worker.terminate();
      outcome();
    };
    worker.on('message', (message: FromWorker) => {
      if (settled) return;
      switch (message.type) {
        case 'progress': {
          const { type: _, ...progress } = message;
          callbacks.onProgress?.(progress);
          return;
        }
        case 'exchanges': {
          const batch = message.exchanges.map((plain) => exchangeFromTransfer(plain, reader));
          for (const exchange of batch) exchanges.push(exchange);
          callbacks.onExchanges?.(batch, exchanges.length);
          return;
        }
        case 'done': {
          if (message.exchangeCount !== exchanges.length) {
            settle(() => reject(new Error(`${displayName}: the worker read ${message.exchangeCount} exchanges but sent ${exchanges.length}`)));
            return;
          }
          const capture: Capture = { ...message.capture, exchanges };
          capture.source.name = displayName;
          settle(() => resolve({ capture, scan: message.scan }));
          return;
        }
        case 'cancelled': {
          const capture: Capture = { ...message.capture, exchanges: exchanges.slice(0, message.exchangeCount) };
          capture.source.name = displayName;
          settle(() => reject(new WorkerLoadCancelledError(displayName, { capture, scan: message.scan })));
          return;
        }
        case 'loadError':
          settle(() => reject(new CaptureLoadError(message.file === path ? displayName : message.file, message.reason, message.location, message.expected)));
          return;
        case 'scanned':
        case 'textMarks':
        case 'captureTextMarks':
          settle(() => reject(new Error(`${displayName}: the worker answered a stream job with '${message.type}'`)));
          return;
        case 'error': {
          const err = new Error(`${displayName}: ${message.message}`);
          if (message.stack) err.stack = message.stack;
          settle(() => reject(err));
          return;
        }
      }
    });
    worker.on('error', (err) => settle(() => reject(err)));
    worker.on('exit', (code) => settle(() => reject(Atomics.load(cancelFlag, 0) !== 0 ? new WorkerLoadCancelledError(displayName) : new Error(`${displayName}: the loading worker stopped (exit code ${code})`))));
  });

  return {
    result,
    cancel: () => {
      if (settled || Atomics.load(cancelFlag, 0) !== 0) return;
      Atomics.store(cancelFlag, 0, 1);
      cancelTimer = setTimeout(() => void worker.terminate(), CANCEL_GRACE_MS);
    },
    abort: () => {
      // Nobody will look at what was read (the editor closed): stop now, without scanning it.
      if (settled) return;
      Atomics.store(cancelFlag, 0, 1);
      void worker.terminate();
    },
  };
}

export interface WorkerScan {
  /** The scan of the bytes as the caller's loadCapture reads them; rejects with CaptureLoadError or an Error. */
  result: Promise<ScanResult>;
  /** Stop the worker now (a newer scan took over, or the editor closed); the result then rejects. */
  abort(): void;
}

export interface WorkerScanOptions {
  workerScript: string;
  displayName: string;
  known?: KnownValue[];
  defaultRegion?: string;
  limits?: DecodeLimits;
  maxExchanges?: number;
  /** Exchanges the caller holds: a scan of another number (the loader changed under it) is refused. */
  expectExchanges?: number;
}

/**
 * Scan a capture the caller loaded from `bytes` (with loadCapture) on a worker thread, so a capture
 * of decompression bombs holds the worker, not the caller. The bytes are copied to the worker.
 */
export function scanBytesInWorker(bytes: Uint8Array, options: WorkerScanOptions): WorkerScan {
  const { displayName, expectExchanges } = options;
  const job: WorkerJob = {
    kind: 'scanBytes',
    bytes,
    displayName,
    scan: scanSettingsOf(options),
    maxExchanges: options.maxExchanges,
  };
  return oneShot(options.workerScript, job, displayName, (m) => {
    if (m.type !== 'scanned') return undefined;
    if (expectExchanges !== undefined && m.exchangeCount !== expectExchanges) {
      throw new Error(`${displayName}: the worker read ${m.exchangeCount} exchanges where ${expectExchanges} are shown`);
    }
    return m.scan;
  });
}

/**
 * A job whose worker answers once: the answer `accept` takes (undefined: not this job's answer, an
 * error), load errors as CaptureLoadError; `abort` stops the worker (the result then rejects).
 */
function oneShot<T>(script: string, job: WorkerJob, name: string, accept: (message: FromWorker) => T | undefined): { result: Promise<T>; abort(): void } {
  const worker = spawn(script, job);
  if (worker instanceof Error) return { result: Promise.reject(worker), abort: () => {} };
  let settled = false;
  let aborted = false;
  const result = new Promise<T>((resolve, reject) => {
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      outcome();
    };
    worker.on('message', (message: FromWorker) => {
      let answer: T | undefined;
      try {
        answer = accept(message);
      } catch (err) {
        settle(() => reject(err));
        return;
      }
      if (answer !== undefined) settle(() => resolve(answer));
      else if (message.type === 'loadError') settle(() => reject(new CaptureLoadError(message.file, message.reason, message.location, message.expected)));
      else if (message.type === 'error') settle(() => reject(new Error(`${name}: ${message.message}`)));
      else settle(() => reject(new Error(`${name}: the worker answered a ${job.kind} job with '${message.type}'`)));
    });
    worker.on('error', (err) => settle(() => reject(err)));
    worker.on('exit', (code) => settle(() => reject(new Error(aborted ? `${name}: the ${job.kind} job was stopped` : `${name}: the worker stopped (exit code ${code})`))));
  });
  return {
    result,
    abort: () => {
      if (settled) return;
      aborted = true;
      void worker.terminate();
    },
  };
}

/**
 * The identifiers, known values and decodable base64 tokens of any text (plainTextMarks), found on
 * a worker thread: a source file of many megabytes holds the worker, not the caller.
 */
export function textMarksInWorker(text: string, options: PlainTextOptions, workerScript: string): { result: Promise<PlainTextMarks>; abort(): void } {
  return oneShot(workerScript, { kind: 'textMarks', text, options }, 'the text', (m) => (m.type === 'textMarks' ? m.result : undefined));
}

export interface CaptureTextMarksOptions {
  workerScript: string;
  displayName: string;
  known?: KnownValue[];
  defaultRegion?: string;
  limits?: DecodeLimits;
  placeBudgetMs: number;
}

export interface CaptureTextMarksResult {
  marks: CaptureTextMarks;
  findings: number;
  scanMs: number;
  placeMs: number;
}

/**
 * A capture held as text (a text editor's document): loaded, scanned and its findings placed in
 * that text on a worker thread; the caller only paints the marks.
 */
export function captureTextMarksInWorker(text: string, options: CaptureTextMarksOptions): { result: Promise<CaptureTextMarksResult>; abort(): void } {
  const job: WorkerJob = {
    kind: 'captureTextMarks',
    text,
    displayName: options.displayName,
    scan: scanSettingsOf(options),
    placeBudgetMs: options.placeBudgetMs,
  };
  return oneShot(options.workerScript, job, options.displayName, (m) =>
    m.type === 'captureTextMarks' ? { marks: m.result, findings: m.findings, scanMs: m.scanMs, placeMs: m.placeMs } : undefined,
  );
}
