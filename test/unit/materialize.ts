import type { Body, Capture } from '../../extension/core/model';

/**
 * The capture with every body's bytes read (lazy ones included, as streamed captures hold them)
 * and turned into comparable text, for deep comparisons between loading paths.
 */
export function materialize(capture: Capture): unknown {
  const body = (b: Body | undefined): unknown => {
    if (!b) return b;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(b)) out[key] = (b as unknown as Record<string, unknown>)[key];
    out.bytes = Buffer.from(b.bytes).toString('base64');
    return out;
  };
  return {
    ...capture,
    exchanges: capture.exchanges.map((e) => ({
      ...e,
      request: { ...e.request, body: body(e.request.body) },
      response: e.response && { ...e.response, body: body(e.response.body) },
    })),
  };
}
