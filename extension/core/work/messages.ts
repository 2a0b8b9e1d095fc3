// What the capture worker (captureWorker.ts) and its client (client.ts) say to each other. Plain
// data only: everything crosses the thread boundary by structured clone.
import type { DecodeLimits } from '../decode/types';
import type { KnownValue } from '../detect/known';
import type { Capture, SourceLocation } from '../model';
import type { ScanResult } from '../scan';
import type { TransferExchange } from '../load/stream/index';
import type { CaptureTextMarks, PlainTextMarks, PlainTextOptions } from '../view/textFindings';

/** What a job's scan is given. */
export interface JobScan {
  known: KnownValue[];
  defaultRegion?: string;
  limits?: DecodeLimits;
}

/**
 * The worker's `workerData`: read a file and scan it, scan bytes the caller already loaded, or mark
 * the identifiers of any text (the text editor's "Scan This File").
 */
export type WorkerJob = StreamJob | ScanBytesJob | TextMarksJob | CaptureTextMarksJob;

/** Stream a capture file from disk, sending its exchanges and then the scan. */
export interface StreamJob {
  kind: 'stream';
  path: string;
  /** The name errors, warnings and the capture's source give the file (a workspace-relative path). */
  displayName: string;
  scan: JobScan;
  maxExchanges?: number;
  /** Int32Array over it; a non-zero element 0 asks the worker to stop. */
  cancel: SharedArrayBuffer;
  chunkBytes?: number;
  /** Exchanges per `exchanges` message at most. */
  batchSize: number;
  /** Least time between two `progress` messages. */
  progressMs: number;
}

/**
 * Scan a capture the caller loaded from these bytes (a small file, opened on its own thread): the
 * worker loads the same bytes with the same loader, so exchange ids agree, and sends only the scan.
 * Decoding bounds cap each field, but a capture of many bombs would still hold a thread for
 * seconds: that thread is never the extension host's.
 */
export interface ScanBytesJob {
  kind: 'scanBytes';
  bytes: Uint8Array;
  displayName: string;
  scan: JobScan;
  /** The caller kept only the first `maxExchanges` exchanges: so does the scan. */
  maxExchanges?: number;
}

export interface WorkerProgress {
  bytesRead: number;
  totalBytes: number;
  exchanges: number;
  /** Findings placed so far (those that wait for the capture's phone region come at the end). */
  findings: number;
}

/** Identifiers, known values and decodable base64 tokens of a text that is no capture. */
export interface TextMarksJob {
  kind: 'textMarks';
  text: string;
  options: PlainTextOptions;
}

/**
 * A capture as a text editor holds it: loaded from that text, scanned, and its findings placed in
 * the text (core/view/textFindings), all off the caller's thread; only the marks come back.
 */
export interface CaptureTextMarksJob {
  kind: 'captureTextMarks';
  text: string;
  displayName: string;
  scan: JobScan;
  /** Time placing may take (CaptureTextOptions.timeBudgetMs). */
  placeBudgetMs: number;
}

/** The capture without its exchanges, which came in `exchanges` messages before. */
export type CaptureFrame = Omit<Capture, 'exchanges'>;

export type FromWorker =
  | ({ type: 'progress' } & WorkerProgress)
  | { type: 'exchanges'; exchanges: TransferExchange[] }
  | { type: 'done'; capture: CaptureFrame; exchangeCount: number; scan: ScanResult }
  /** What was read before the cancel (not the file's pages, DNS answers or warnings: those come at its end). */
  | { type: 'cancelled'; capture: CaptureFrame; exchangeCount: number; scan: ScanResult }
  /** The answer to a ScanBytesJob. */
  | { type: 'scanned'; exchangeCount: number; scan: ScanResult }
  /** The answer to a TextMarksJob. */
  | { type: 'textMarks'; result: PlainTextMarks }
  /** The answer to a CaptureTextMarksJob. */
  | { type: 'captureTextMarks'; result: CaptureTextMarks; findings: number; scanMs: number; placeMs: number }
  | { type: 'loadError'; file: string; reason: string; location?: SourceLocation; expected?: string }
  | { type: 'error'; message: string; stack?: string };
