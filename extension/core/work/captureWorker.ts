// Worker thread entry (bundled to dist/captureWorker.js): streams a capture file and scans each
// exchange as it is read, so neither the whole file nor the scan ever holds the extension host's
// thread. Exchanges go to the client in batches (lazy bodies as references into the file, so the
// client can re-read them), with progress in between and the scan result at the end.
import { parentPort, workerData } from 'node:worker_threads';
import { CaptureLoadError } from '../load/errors';
import { loadCapture } from '../load/index';
import { exchangeForTransfer, LoadCancelledError, streamCaptureFile, type TransferExchange } from '../load/stream/index';
import type { Capture, Exchange } from '../model';
import { CaptureScan, scanCapture } from '../scan';
import { captureTextMarks, plainTextMarks } from '../view/textFindings';
import type { FromWorker, ScanBytesJob, StreamJob, WorkerJob } from './messages';

function run(job: WorkerJob, post: (message: FromWorker) => void): void {
  if (job.kind === 'scanBytes') scanBytes(job, post);
  else if (job.kind === 'textMarks') {
    try {
      post({ type: 'textMarks', result: plainTextMarks(job.text, job.options) });
    } catch (err) {
      failed(err, post);
    }
  } else if (job.kind === 'captureTextMarks') {
    try {
      const started = performance.now();
      const capture = loadCapture(Buffer.from(job.text, 'utf8'), job.displayName);
      const scan = scanCapture(capture, job.scan);
      const scanned = performance.now();
      const result = captureTextMarks(job.text, capture, scan.findings, { limits: job.scan.limits, timeBudgetMs: job.placeBudgetMs });
      post({ type: 'captureTextMarks', result, findings: scan.findings.length, scanMs: scanned - started, placeMs: performance.now() - scanned });
    } catch (err) {
      failed(err, post);
    }
  } else stream(job, post);
}

function scanBytes(job: ScanBytesJob, post: (message: FromWorker) => void): void {
  try {
    const capture = loadCapture(job.bytes, job.displayName);
    if (job.maxExchanges !== undefined && capture.exchanges.length > job.maxExchanges) capture.exchanges = capture.exchanges.slice(0, job.maxExchanges);
    post({ type: 'scanned', exchangeCount: capture.exchanges.length, scan: scanCapture(capture, job.scan) });
  } catch (err) {
    failed(err, post);
  }
}

function failed(err: unknown, post: (message: FromWorker) => void): void {
  if (err instanceof CaptureLoadError) post({ type: 'loadError', file: err.file, reason: err.reason, location: err.location, expected: err.expected });
  else post({ type: 'error', message: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined });
}

function stream(job: StreamJob, post: (message: FromWorker) => void): void {
  const cancel = new Int32Array(job.cancel);
  const cancelled = () => Atomics.load(cancel, 0) !== 0;
  const scan = new CaptureScan(job.scan);
  // What was read before a cancel is still shown, with its findings: the scan needs the exchanges.
  const read: Exchange[] = [];
  // Exchanges waiting to be posted. They are copied for the transfer only when posted: while
  // onExchange runs an exchange still holds its body bytes (they become lazy when it returns),
  // and a copy made then would send them all to the client.
  let batch: Exchange[] = [];
  let exchanges = 0;
  let lastProgress = 0;
  let totalBytes = 0;
  const flush = () => {
    if (batch.length === 0) return;
    const plain: TransferExchange[] = batch.map(exchangeForTransfer);
    post({ type: 'exchanges', exchanges: plain });
    batch = [];
  };
  try {
    const capture = streamCaptureFile(job.path, {
      keepBodies: false,
      maxExchanges: job.maxExchanges,
      chunkBytes: job.chunkBytes,
      cancelled,
      onExchange: (exchange) => {
        scan.add(exchange);
        read.push(exchange);
        exchanges++;
        // The batch is posted when the next exchange comes (or after the chunk), by when the
        // last one's bodies are lazy.
        if (batch.length >= job.batchSize) flush();
        batch.push(exchange);
      },
      onProgress: (progress) => {
        totalBytes = progress.totalBytes;
        const now = performance.now();
        if (now - lastProgress < job.progressMs) return;
        lastProgress = now;
        // Rows first, so the counts the client shows are of rows it holds.
        flush();
        post({ type: 'progress', bytesRead: progress.bytesRead, totalBytes, exchanges, findings: scan.findingCount });
      },
    });
    flush();
    // A JSONP wrapper's tail is never read as a chunk: the file is read all the same.
    post({ type: 'progress', bytesRead: totalBytes, totalBytes, exchanges, findings: scan.findingCount });
    // tshark pairs its packets after the last chunk: a cancel may come during that.
    if (cancelled()) throw new LoadCancelledError(job.path);
    const result = scan.finish(capture);
    const { exchanges: all, ...frame } = capture;
    post({ type: 'done', capture: frame, exchangeCount: all.length, scan: result });
  } catch (err) {
    if (err instanceof LoadCancelledError) {
      flush();
      const partial: Capture = {
        source: { name: job.path, byteLength: totalBytes, wrappers: [] },
        format: read[0]?.origin.kind === 'tshark-frames' ? (/\.(jsonl|ndjson)$/i.test(job.path) ? 'tshark-ek' : 'tshark-json') : 'har',
        exchanges: read,
        warnings: [],
        dns: [],
        pages: [],
      };
      const { exchanges: all, ...frame } = partial;
      post({ type: 'cancelled', capture: frame, exchangeCount: all.length, scan: scan.finish(partial) });
    } else failed(err, post);
  }
}

if (parentPort) {
  const port = parentPort;
  run(workerData as WorkerJob, (message) => port.postMessage(message));
}
