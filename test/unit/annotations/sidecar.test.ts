import assert from 'node:assert/strict';
import { SIDECAR_VERSION, type Sidecar } from '../../../extension/core/annotations/model';
import {
  MAX_SIDECAR_DEPTH,
  SidecarError,
  emptySidecar,
  parseSidecar,
  serializeSidecar,
  sidecarPathFor,
} from '../../../extension/core/annotations/sidecar';
import { mergeSidecars } from '../../../extension/core/annotations/store';
import { annotation, fullSidecar } from './fixtures';

const FILE = '/study/capture.har.leaklens.json';

/** Parse `text` expecting a SidecarError; returns it for more checks. */
function refuses(text: string, message: RegExp): SidecarError {
  let caught: unknown;
  try {
    parseSidecar(text, FILE);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof SidecarError, `expected a SidecarError for ${text.slice(0, 80)}, got ${String(caught)}`);
  assert.match(caught.message, message);
  assert.ok(caught.message.startsWith(FILE), caught.message);
  return caught;
}

function minimal(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ version: 1, capture: { file: 'capture.har' }, ...extra });
}

describe('sidecar: parse and serialize', () => {
  it('round-trips every field, unknown fields at every level included', () => {
    const original = fullSidecar();
    const text = serializeSidecar(original);
    const parsed = parseSidecar(text, FILE);
    // Annotations come back in the file's order (by creation), the rest as given.
    const expected: Sidecar = { ...original, annotations: [original.annotations[1], original.annotations[0]] };
    assert.deepEqual(parsed, expected);
    assert.equal(serializeSidecar(parsed), text, 'serialize is byte-stable');
    assert.deepEqual(parsed.annotations[0].extra, { cvss: { vector: 'AV:N/AC:L', score: 7.5 }, linked: ['a2'] });
    assert.deepEqual(parsed.annotations[0].exchanges[0].extra, { responseSha256: 'b'.repeat(64) });
    assert.deepEqual(parsed.annotations[0].findings[0].extra, { confidence: 'high' });
    assert.deepEqual(parsed.findingStates[0].extra, { by: 'reviewer' });
    assert.deepEqual(parsed.advisory?.timeline?.[0].extra, { private: true });
    assert.deepEqual(parsed.capture.extra, { sha256: 'c'.repeat(64) });
  });

  it('writes 2-space JSON with a trailing newline, known keys in a fixed order, then unknown keys sorted', () => {
    const text = serializeSidecar(fullSidecar());
    assert.ok(text.endsWith('}\n') && !text.endsWith('\n\n'));
    assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(JSON.parse(text))));
    assert.equal(text, JSON.stringify(JSON.parse(text), null, 2) + '\n', 'the layout JSON.stringify(…, 2) gives');
    const top = Object.keys(JSON.parse(text) as object);
    assert.deepEqual(top, ['version', 'capture', 'advisory', 'knownValues', 'annotations', 'findingStates', 'aFuture', 'zFuture']);
    const a = (JSON.parse(text) as { annotations: Record<string, unknown>[] }).annotations[0];
    assert.deepEqual(Object.keys(a), ['id', 'title', 'severity', 'exchanges', 'findings', 'tags', 'notes', 'created', 'updated', 'cvss', 'linked']);
    assert.deepEqual(Object.keys((a.exchanges as object[])[0]), ['index', 'method', 'url', 'startedDateTime', 'requestBodySha256', 'responseSha256']);
    // Unknown keys that look like numbers: a JS object would put them first; the file does not.
    const numeric = serializeSidecar({ ...emptySidecar('x.har'), extra: { '10': 1, '2': 2, b: 3 } });
    assert.ok(numeric.indexOf('"version"') < numeric.indexOf('"10"') && numeric.indexOf('"10"') < numeric.indexOf('"2"') && numeric.indexOf('"2"') < numeric.indexOf('"b"'), numeric);
  });

  it('gives the same bytes whatever order the annotations and keys were built in', () => {
    const s = fullSidecar();
    const shuffled: Sidecar = { ...s, annotations: [...s.annotations].reverse(), extra: { aFuture: s.extra?.aFuture, zFuture: 1 } };
    assert.equal(serializeSidecar(shuffled), serializeSidecar(s));
    // Ties on the creation time fall back to the id.
    const tie = serializeSidecar({ ...emptySidecar('x.har'), annotations: [annotation('b'), annotation('a')] });
    assert.ok(tie.indexOf('"id": "a"') < tie.indexOf('"id": "b"'));
  });

  it('reads a minimal hand-written file and fills in the empty lists', () => {
    const s = parseSidecar('\uFEFF' + minimal(), FILE);
    assert.deepEqual(s, emptySidecar('/somewhere/capture.har'));
    assert.equal(sidecarPathFor('/a/b/capture.har'), '/a/b/capture.har.leaklens.json');
  });

  it('parses 10,000 annotations in well under a second, and the size and nesting bounds hold', () => {
    const many: Sidecar = { ...emptySidecar('big.har'), annotations: Array.from({ length: 10_000 }, (_, i) => annotation(`id-${String(i).padStart(5, '0')}`)) };
    const text = serializeSidecar(many);
    const started = Date.now();
    const parsed = parseSidecar(text, FILE);
    assert.equal(parsed.annotations.length, 10_000);
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    assert.equal(serializeSidecar(parsed), text);
    const deep = '['.repeat(MAX_SIDECAR_DEPTH + 10) + ']'.repeat(MAX_SIDECAR_DEPTH + 10);
    refuses(minimal().replace(/}$/, `,"future":${deep}}`), new RegExp(`expected nesting at most ${MAX_SIDECAR_DEPTH} deep`));
  });
});

describe('sidecar: prototype pollution', () => {
  // Payloads that pollute Object.prototype in code that deep-merges or deep-assigns parsed JSON.
  const payloads = [
    '"__proto__": {"polluted": 1}',
    '"constructor": {"prototype": {"polluted": 1}}',
    '"__proto__": {"__proto__": {"polluted": 1}}',
  ];

  /** Every object the parsed sidecar holds, nested unknown values included. */
  function objectsIn(value: unknown, out: object[] = []): object[] {
    if (value === null || typeof value !== 'object') return out;
    out.push(value);
    for (const key of Object.keys(value)) objectsIn((value as Record<string, unknown>)[key], out);
    return out;
  }

  // After every test, and with hostile inputs parsed, merged and written again right here, a fresh
  // object must still have no `polluted`, and every parsed object must be a plain object (or array).
  afterEach(() => {
    for (const payload of payloads) {
      const text = `{"version": 1, ${payload}, "capture": {"file": "c.har", ${payload}}, "advisory": {"title": "t", ${payload}},
        "annotations": [{"id": "a", "title": "", "severity": "low", "notes": "", "tags": [], "created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z", ${payload},
          "exchanges": [{"index": 0, "method": "GET", "url": "http://x/", ${payload}}], "findings": []}]}`;
      const base = parseSidecar(text, FILE);
      const mine = parseSidecar(text.replaceAll('"polluted": 1', '"polluted": 2'), FILE);
      const theirs = parseSidecar(text.replaceAll('"polluted": 1', '"polluted": 3'), FILE);
      const merged = mergeSidecars(base, mine, theirs).merged;
      const again = parseSidecar(serializeSidecar(merged), FILE);
      for (const s of [base, mine, theirs, merged, again]) {
        for (const o of objectsIn(s)) {
          const proto: unknown = Object.getPrototypeOf(o);
          assert.ok(proto === Object.prototype || proto === Array.prototype || proto === null, `a parsed object has the prototype ${JSON.stringify(proto)}`);
        }
      }
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted');
    assert.equal(Object.hasOwn(Object.prototype, 'polluted'), false);
    assert.equal(({} as { constructor: unknown }).constructor, Object);
  });

  const hostile = ['__proto__', 'constructor', 'prototype'];

  it('keeps __proto__, constructor and prototype keys as plain data at every level', () => {
    const inject = (key: string): string => `"${key}": {"polluted": true, "prototype": {"polluted": true}}`;
    for (const key of hostile) {
      const text = `{
        "version": 1, ${inject(key)},
        "capture": {"file": "c.har", ${inject(key)}},
        "knownValues": {"${key}": "868715392756833"},
        "advisory": {"title": "t", ${inject(key)}, "timeline": [{"date": "d", "event": "e", ${inject(key)}}]},
        "annotations": [{"id": "${key}", "title": "", "severity": "low", "notes": "", "tags": [], "created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z", ${inject(key)},
          "exchanges": [{"index": 0, "method": "GET", "url": "http://x/", ${inject(key)}}],
          "findings": [{"kind": "imei", "value": "1", "part": "url", "fieldPath": "", "chain": [], ${inject(key)}}]}],
        "findingStates": [{"state": "expected", "reason": "", ${inject(key)},
          "exchange": {"index": 0, "method": "GET", "url": "http://x/"},
          "finding": {"kind": "imei", "value": "1", "part": "url", "fieldPath": "", "chain": []}}]
      }`;
      const s = parseSidecar(text, FILE);
      const holders: (Record<string, unknown> | undefined)[] = [
        s.extra, s.capture.extra, s.advisory?.extra, s.advisory?.timeline?.[0].extra, s.annotations[0].extra,
        s.annotations[0].exchanges[0].extra, s.annotations[0].findings[0].extra, s.findingStates[0].extra,
      ];
      for (const holder of holders) {
        assert.ok(holder && Object.hasOwn(holder, key), `${key} kept as an own key`);
        assert.equal(Object.getPrototypeOf(holder), Object.prototype, 'the prototype is untouched');
        assert.deepEqual(holder[key], { polluted: true, prototype: { polluted: true } });
      }
      assert.ok(Object.hasOwn(s.knownValues ?? {}, key));
      assert.equal(s.annotations[0].id, key);
      // It survives a round trip as the same plain data.
      const again = serializeSidecar(s);
      assert.ok(again.includes(`"${key}": {`));
      assert.deepEqual(parseSidecar(again, FILE), s);
    }
  });

  it('does not mistake inherited members for fields ("toString", "constructor" absent means absent)', () => {
    refuses(JSON.stringify({ constructor: 1, capture: { file: 'x' } }), /"version" is missing/);
    // An annotation without "title" must not pick up anything from Object.prototype.
    const a = { ...annotation('x') } as Record<string, unknown>;
    delete a.title;
    refuses(minimal({ annotations: [a] }), /\$\.annotations\[0\]\): "title" is missing; expected a string in "title"/);
  });
});

describe('sidecar: schema errors name the file, the place and what was expected', () => {
  it('refuses a newer schema version and tells the researcher to update LeakLens', () => {
    const err = refuses(JSON.stringify({ version: 99, capture: { file: 'c.har' } }), /newer LeakLens \(schema version 99; this one reads up to 1\): update LeakLens/);
    assert.equal(err.location?.jsonPath, '$.version');
    assert.equal(SIDECAR_VERSION, 1);
    refuses(JSON.stringify({ version: '1', capture: { file: 'c.har' } }), /\$\.version\): found the string "1"; expected a schema version number/);
    refuses(JSON.stringify({ capture: { file: 'c.har' } }), /\(line 1, column 1, \$\): "version" is missing/);
  });

  it('points at wrong types and values by line, column and JSON path', () => {
    const s = fullSidecar();
    const text = serializeSidecar(s).replace('"severity": "high"', '"severity": "urgent"');
    const err = refuses(text, /line \d+, column \d+, \$\.annotations\[0\]\.severity\): unknown value "urgent"; expected one of info, low, medium, high, critical/);
    const line = text.split('\n')[(err.location?.line ?? 0) - 1];
    assert.equal(line.slice((err.location?.column ?? 0) - 1), '"urgent",');

    const cases: [unknown, RegExp][] = [
      [{ version: 1, capture: 'c.har' }, /\$\.capture\): found the string "c\.har"; expected an object \{"file"/],
      [{ version: 1, capture: { file: 'c', byteLength: -1 } }, /\$\.capture\.byteLength\): found number -1; expected a whole number ≥ 0/],
      [{ version: 1, capture: { file: 'c' }, annotations: {} }, /\$\.annotations\): found an object; expected an array of annotations/],
      [{ version: 1, capture: { file: 'c' }, annotations: [{ ...annotation('a'), tags: ['ok', 3] }] }, /\$\.annotations\[0\]\.tags\[1\]\): found number 3; expected a string/],
      [{ version: 1, capture: { file: 'c' }, annotations: [{ ...annotation('a'), created: 'yesterday' }] }, /\$\.annotations\[0\]\.created\): "yesterday" is not a date; expected an ISO 8601/],
      [{ version: 1, capture: { file: 'c' }, annotations: [annotation('a'), annotation('a')] }, /\$\.annotations\[1\]\.id\): the id "a" is also used by annotations\[0\]/],
      [{ version: 1, capture: { file: 'c' }, annotations: [{ ...annotation('a'), exchanges: [{ index: 1.5, method: 'GET', url: '' }] }] }, /exchanges\[0\]\.index\): found number 1\.5/],
      [{ version: 1, capture: { file: 'c' }, annotations: [{ ...annotation('a'), exchanges: [{ index: 1, method: 'GET', url: '', requestBodySha256: 'XYZ' }] }] }, /requestBodySha256\): "XYZ" is not a SHA-256; expected 64 lower-case hex digits/],
      [{ version: 1, capture: { file: 'c' }, annotations: [{ ...annotation('a'), findings: [{ kind: 'shoe_size', value: '', part: 'url', fieldPath: '', chain: [] }] }] }, /findings\[0\]\.kind\): unknown value "shoe_size"; expected one of imei, imsi/],
      [{ version: 1, capture: { file: 'c' }, findingStates: [{ exchange: { index: 0, method: 'GET', url: '' }, finding: { kind: 'imei', value: '', part: 'body', fieldPath: '', chain: [] }, state: 'expected', reason: '' }] }, /finding\.part\): unknown value "body"; expected one of url, query/],
      [{ version: 1, capture: { file: 'c' }, findingStates: [{ exchange: { index: 0, method: 'GET', url: '' }, finding: { kind: 'imei', value: '', part: 'url', fieldPath: '', chain: [] }, state: 'ignored', reason: '' }] }, /state\): unknown value "ignored"; expected one of false-positive, expected/],
      [{ version: 1, capture: { file: 'c' }, knownValues: { imei: 868715392756833 } }, /\$\.knownValues\.imei\): found number 868715392756833; expected a string or an array of strings/],
      [{ version: 1, capture: { file: 'c' }, advisory: { timeline: [{ date: '2026' }] } }, /\$\.advisory\.timeline\[0\]\): "event" is missing/],
      [{ version: 1, capture: { file: 'c' }, advisory: { 'odd key': 1, versions: 'all' } }, /\$\.advisory\.versions\): found the string "all"; expected an array of strings/],
    ];
    for (const [value, message] of cases) refuses(JSON.stringify(value, null, 2), message);
  });

  it('reports JSON syntax errors, merge conflict markers and repeated keys with their line and column', () => {
    refuses('{\n  "version": 1,\n  "capture" {}\n}', /\(line 3, column 13\): not valid JSON: found '\{'; expected ':' after property name/);
    refuses('', /not valid JSON: found end of input; expected a value/);
    const conflicted = serializeSidecar(fullSidecar()).replace('      "severity": "medium",', '<<<<<<< HEAD\n      "severity": "medium",\n=======\n      "severity": "low",\n>>>>>>> theirs');
    const err = refuses(conflicted, /\(line \d+, column 1\): unresolved merge conflict marker <<<<<<<; expected the conflict resolved/);
    assert.equal(conflicted.split('\n')[(err.location?.line ?? 0) - 1], '<<<<<<< HEAD');
    refuses('{"version": 1, "capture": {"file": "a"},\n "advisory": {"title": "one",\n  "title": "two"}}', /\(line 3, column 3, \$\.advisory\.title\): the property "title" appears more than once/);
    refuses('{"version": 1, "capture": {"file": "a"}, "annotations": [], "x": [{}, {"__proto__": 1, "__proto__": 2}]}', /\$\.x\[1\]\.__proto__\): the property "__proto__" appears more than once/);
  });
});
