// Test helpers over ../shared/corpus: where it is, which files exist, and the ground truth.
// Views of an exchange are computed here independently of the product's decoders.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Exchange } from '../../extension/core/model';

export const CORPUS = process.env.LEAKLENS_CORPUS ?? resolve(process.cwd(), '../shared/corpus');

export function corpusPath(...parts: string[]): string {
  return join(CORPUS, ...parts);
}

export function corpusFiles(dir: string, filter: (name: string) => boolean = () => true): string[] {
  const full = corpusPath(dir);
  if (!existsSync(full)) throw new Error(`corpus folder missing: ${full} (set LEAKLENS_CORPUS)`);
  return readdirSync(full).filter(filter).sort().map((name) => join(full, name));
}

export interface Plant {
  request: string;
  type: string;
  key: string;
  location: string;
  value: string;
  found_in_view: string;
}

export interface GroundTruth {
  requests: { id: string; path: string }[];
  browser_requests: { id: string; path: string }[];
}

export function groundTruth(): GroundTruth {
  return JSON.parse(readFileSync(corpusPath('generated/ground_truth.json'), 'utf8')) as GroundTruth;
}

/** Plants verification says are recoverable from a corpus file (key like `har/mitmproxy_hardump.har`). */
export function recoverablePlants(fileKey: string): Plant[] {
  const all: Record<string, Plant[]> = {
    ...JSON.parse(readFileSync(corpusPath('generated/verification/node_client.json'), 'utf8')),
    ...JSON.parse(readFileSync(corpusPath('generated/verification/browser_hars.json'), 'utf8')),
  };
  const plants = all[fileKey];
  if (!plants) throw new Error(`no verification for ${fileKey}`);
  return plants.filter((p) => p.found_in_view !== 'MISSING');
}

export function requestPath(id: string): string {
  const gt = groundTruth();
  const r = [...gt.requests, ...gt.browser_requests].find((q) => q.id === id);
  if (!r) throw new Error(`unknown request ${id}`);
  return r.path;
}

function safeDecodeURIComponent(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Every string a person could read from an exchange, plus url-decoded, base64 and gzip+base64 views. */
export function exchangeViews(exchange: Exchange): string[] {
  const base: string[] = [exchange.request.url];
  for (const h of [...exchange.request.headers, ...(exchange.response?.headers ?? [])]) base.push(`${h.name}: ${h.value}`);
  for (const c of [...exchange.request.cookies, ...(exchange.response?.cookies ?? [])]) base.push(`${c.name}=${c.value}`);
  for (const body of [exchange.request.body, exchange.response?.body]) {
    if (!body) continue;
    let bytes = Buffer.from(body.bytes);
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      try {
        bytes = gunzipSync(bytes);
      } catch {
        // keep the raw bytes
      }
    }
    base.push(bytes.toString('utf8'));
    for (const p of body.params ?? []) base.push(`${p.name}=${p.value ?? ''}`);
  }
  const views = [...base, ...base.map(safeDecodeURIComponent)];
  for (const text of [...views]) {
    for (const run of text.match(/[A-Za-z0-9+/_-]{16,}={0,2}/g) ?? []) {
      const decoded = Buffer.from(run, run.includes('-') || run.includes('_') ? 'base64url' : 'base64');
      views.push(decoded.toString('utf8'));
      if (decoded[0] === 0x1f && decoded[1] === 0x8b) {
        try {
          views.push(gunzipSync(decoded).toString('utf8'));
        } catch {
          // not gzip after all
        }
      }
    }
  }
  return views;
}

/** Ground truth values are written in several forms: JSON numbers, `+86 139…` with spaces. */
export function valueVariants(value: string): string[] {
  return [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)];
}

export function pathOfUrl(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url.split('?')[0];
  }
}
