import type { CaptureSource, Exchange, LoadWarning, Page } from '../model';
import type { JsonObject } from './json';

export interface HarLoadResult {
  exchanges: Exchange[];
  warnings: LoadWarning[];
  pages: Page[];
  source: Partial<CaptureSource>;
}

export function loadHar(_doc: JsonObject, _file: string): HarLoadResult {
  throw new Error('not implemented yet');
}
