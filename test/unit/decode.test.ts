import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { brotliCompressSync, createGzip, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { DEFAULT_DECODE_LIMITS, decodeField, formatChain, type DecodeResult, type FieldInput, type TextLeaf } from '../../extension/core/decode/index';
import { loadCaptureFile } from '../../extension/core/load/index';
import type { Body, Capture, Exchange } from '../../extension/core/model';

const CORPUS = process.env.LEAKLENS_CORPUS ?? resolve(process.cwd(), '../shared/corpus');

const IMEI = '868715392756833';
const IMSI = '460010886207782';

// ---- helpers --------------------------------------------------------------------------------

function decode(input: FieldInput | string): DecodeResult {
  return decodeField(typeof input === 'string' ? { text: input } : input);
}

function decoded(r: DecodeResult): TextLeaf[] {
  return r.leaves.filter((l) => l.chain.length > 0);
}

function chains(r: DecodeResult): string[] {
  return decoded(r).map((l) => formatChain(l.chain));
}

function leafAt(r: DecodeResult, chain: string[]): TextLeaf {
  const found = r.leaves.find((l) => formatChain(l.chain) === formatChain(chain));
  assert.ok(found, `no leaf at ${formatChain(chain)}; have:\n${r.leaves.map((l) => `  ${formatChain(l.chain)}`).join('\n')}`);
  return found;
}

function b64(s: string | Buffer): string {
  return Buffer.from(s).toString('base64');
}

function b64url(s: string | Buffer): string {
  return Buffer.from(s).toString('base64url');
}

/** A tiny protobuf encoder for hand-made messages. */
type PbValue = { varint: bigint | number } | { str: string } | { bytes: Uint8Array } | { msg: PbField[] } | { double: number } | { fixed32: number };
type PbField = [number, PbValue];

function varint(value: bigint | number): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

function pb(fields: PbField[]): Buffer {
  const parts: Buffer[] = [];
  for (const [no, value] of fields) {
    if ('varint' in value) parts.push(Buffer.from([...varint(no * 8), ...varint(value.varint)]));
    else if ('double' in value) {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(value.double);
      parts.push(Buffer.from(varint(no * 8 + 1)), b);
    } else if ('fixed32' in value) {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(value.fixed32);
      parts.push(Buffer.from(varint(no * 8 + 5)), b);
    } else {
      const payload = 'str' in value ? Buffer.from(value.str) : 'bytes' in value ? Buffer.from(value.bytes) : pb(value.msg);
      parts.push(Buffer.from([...varint(no * 8 + 2), ...varint(payload.length)]), payload);
    }
  }
  return Buffer.concat(parts);
}

/** 1 GiB of zeros through gzip, streamed in 1 MiB chunks (~1 MB out), never holding the GiB. */
async function gzipBomb(gib = 1): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const chunks: Buffer[] = [];
  gz.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((done, fail) => {
    gz.on('end', done);
    gz.on('error', fail);
  });
  const zeros = Buffer.alloc(1 << 20);
  for (let i = 0; i < gib * 1024; i++) {
    if (!gz.write(zeros)) await new Promise<void>((done) => gz.once('drain', () => done()));
  }
  gz.end();
  await ended;
  return Buffer.concat(chunks);
}

function timed<T>(f: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = f();
  return { value, ms: performance.now() - t0 };
}

const DECOYS = [
  'internationalization',
  'addEventListener',
  'getElementsByTagName',
  'Internationalization',
  'some_snake_case_identifier_name',
  'some-long-kebab-case-slug-name',
  'SOME_CONSTANT_VALUE_NAME',
  '88f26657e4d293cd1f300606ca27ec55', // md5
  '3dfb4965bb5ade84b5733cd6b9a0110d32ec9e3f', // sha1
  'bda23dd05a5fb5ae41f3af162c7af75eff63569158c06294162b46a8a7dd4358', // sha256
  createHash('sha256').update('x').digest('hex').toUpperCase(),
  '1407024000000',
  '14070240000000001234',
  '86871539275683386871539275683388',
  '32af5ead-3986-4d6f-924a-4197ec551d76',
  'A8098C1A-F86E-11DA-BD1A-00112444BE1E',
  '7.4.18',
  '1.2.3-beta.4+build.567',
  'v10.15.3-rc.1',
  'deadbeefcafebabe',
  'RD58jzc2LjH239XVUS0w1RrNNTAuN1EtMP3__70k',
  'Mozilla/5.0 (Linux; Android 4.3; Redmi 1S MIUI/JHCCNBH45.0) AppleWebKit/537.36',
  'Dalvik/1.6.0 (Linux; U; Android 4.3; Redmi 1S MIUI/JHCCNBH45.0)',
  '/usr/local/lib/node_modules/typescript/lib',
  'com.example.application.MainActivity',
  'The quick brown fox jumps over the lazy dog',
  'Thu, 01 Jan 2015 00:00:00 GMT',
  'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
];

// ---- the API --------------------------------------------------------------------------------

describe('decodeField: the raw field', () => {
  it('is always the first leaf, with chain [] and the field key', () => {
    const r = decodeField({ text: 'hello', key: 'X-Thing' });
    assert.deepEqual(r.leaves, [{ text: 'hello', chain: [], key: 'X-Thing', keyPath: ['X-Thing'] }]);
    assert.deepEqual(r.limits, []);
  });

  it('handles zero-length and missing input', () => {
    for (const input of [{ text: '' }, { bytes: new Uint8Array(0) }, {}, { bytes: new Uint8Array(0), contentEncoding: ['gzip'] }] as FieldInput[]) {
      const r = decodeField(input);
      assert.equal(r.leaves.length, 1);
      assert.equal(r.leaves[0].text, '');
      assert.deepEqual(r.leaves[0].chain, []);
    }
  });

  it('reads bytes as UTF-8 text', () => {
    const r = decode({ bytes: Buffer.from('运营商 中国联通 imei 868715392756833') });
    assert.equal(r.leaves[0].text, '运营商 中国联通 imei 868715392756833');
  });

  it('reads binary as its readable runs (≥ 6 bytes), never as mojibake', () => {
    const bytes = Buffer.concat([
      Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80]),
      Buffer.from('imei=868715392756833'),
      Buffer.from([0x00, 0xc3, 0x00]),
      Buffer.from('ab'), // too short to keep
      Buffer.from([0x00, 0x02]),
      Buffer.from('中国联通'),
      Buffer.from([0xff]),
    ]);
    const r = decode({ bytes });
    assert.equal(r.leaves[0].text, 'imei=868715392756833\n中国联通');
    assert.ok(!r.leaves.some((l) => l.text.includes('\ufffd')));
  });

  it('formats chains with arrows', () => {
    assert.equal(formatChain(['base64', 'gzip', 'json:$.device.imei']), 'base64 → gzip → json:$.device.imei');
    assert.equal(formatChain([]), '');
  });

  it('never throws, whatever the input', () => {
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pieces = ['{', '}', '[', ']', '"', ':', ',', '=', '&', '%', '%4', '%41', '--', '\r\n', 'eyJ', '.', 'H4sI', 'AAAA', 'imei', '868715392756833', '\\', '\\u12', 'YWJj', '+', '/', '_', '-', ' ', '\u0000', '\ud800', 'Content-Disposition: form-data; name="a"'];
    for (let i = 0; i < 3000; i++) {
      const text = Array.from({ length: rand(40) }, () => pieces[rand(pieces.length)]).join('');
      const bytes = Buffer.from(Array.from({ length: rand(64) }, () => rand(256)));
      for (const input of [
        { text },
        { bytes },
        { bytes, contentEncoding: ['gzip', 'br', 'deflate', 'zstd'] },
        { bytes: Buffer.from(text), contentType: 'multipart/form-data; boundary=a' },
        { text, contentType: 'application/x-www-form-urlencoded' },
        { bytes, contentType: 'application/x-protobuf' },
      ] as FieldInput[]) {
        const r = decodeField(input);
        assert.ok(r.leaves.length >= 1);
        assert.deepEqual(r.leaves[0].chain, []);
      }
    }
  });
});

describe('decodeField: URL encoding and forms', () => {
  it('URL-decodes text with %XX escapes (chain url)', () => {
    const r = decode('28%3A6c%3A07%3Ac0%3A35%3A8f');
    assert.equal(leafAt(r, ['url']).text, '28:6c:07:c0:35:8f');
  });

  it('does not add a url layer to text without escapes, or with broken ones', () => {
    assert.deepEqual(chains(decode('28:6c:07:c0:35:8f')), []);
    assert.deepEqual(chains(decode('100%zz of it')), []);
  });

  it('in text with whitespace, decodes only the escaped tokens', () => {
    const r = decode('<a href="/x?mac=28%3A6c%3A07%3Ac0%3A35%3A8f">100% sure</a>');
    assert.equal(leafAt(r, ['url']).text, '/x?mac=28:6c:07:c0:35:8f');
  });

  it('decodes Latin-1 escapes that are not UTF-8', () => {
    assert.equal(leafAt(decode('Jos%E9'), ['url']).text, 'José');
  });

  it('splits a declared form into fields (key, form:<name>, + as space, %XX)', () => {
    const r = decode({
      text: 'gaid=32af5ead-3986-4d6f-924a-4197ec551d76&lat=39.908974&email=li.wei.2706%40example.com&phone=%2B8613873243456&carrier=China+Unicom&empty=',
      contentType: 'application/x-www-form-urlencoded; charset=UTF-8',
    });
    assert.deepEqual(chains(r), ['form:gaid', 'form:lat', 'form:email', 'form:phone', 'form:carrier']);
    const email = leafAt(r, ['form:email']);
    assert.equal(email.text, 'li.wei.2706@example.com');
    assert.equal(email.key, 'email');
    assert.deepEqual(email.keyPath, ['email']);
    assert.equal(leafAt(r, ['form:phone']).text, '+8613873243456');
    assert.equal(leafAt(r, ['form:carrier']).text, 'China Unicom');
  });

  it('recognises an undeclared k=v&k=v text, and decodes its values further', () => {
    const r = decode(`a=1&data=${encodeURIComponent(JSON.stringify({ imei: IMEI }))}`);
    const leaf = leafAt(r, ['form:data', 'json:$.imei']);
    assert.equal(leaf.text, IMEI);
    assert.deepEqual(leaf.keyPath, ['data', 'imei']);
  });

  it('does not take URLs, sentences or base64 padding for forms', () => {
    assert.ok(!chains(decode('http://example.test/a?b=c')).some((c) => c.startsWith('form:')));
    assert.ok(!chains(decode('x = 1 and y = 2')).some((c) => c.startsWith('form:')));
    assert.ok(!chains(decode('aGVsbG8gd29ybGQ=')).some((c) => c.startsWith('form:')));
    assert.ok(!chains(decode('aGVsbG8gd29ybA==')).some((c) => c.startsWith('form:')));
  });
});

describe('decodeField: base64', () => {
  const json = JSON.stringify({ imei: IMEI, gaid: '32af5ead-3986-4d6f-924a-4197ec551d76' });

  it('decodes a padded base64 value to text, then JSON', () => {
    const r = decode(b64(json));
    assert.equal(leafAt(r, ['base64']).text, json);
    const imei = leafAt(r, ['base64', 'json:$.imei']);
    assert.equal(imei.text, IMEI);
    assert.equal(imei.key, 'imei');
  });

  it('decodes unpadded base64 and base64url (named base64url when - or _ appear)', () => {
    const text = 'subject?>>user~~name??>>868715392756833';
    assert.equal(b64(text).includes('+') || b64(text).includes('/'), true);
    assert.equal(leafAt(decode(b64(text).replace(/=+$/, '')), ['base64']).text, text);
    assert.equal(leafAt(decode(b64url(text)), ['base64url']).text, text);
  });

  it('accepts a 12-character whole value, and Basic auth', () => {
    assert.equal(leafAt(decode('dXNlcjpwYXNz'), ['base64']).text, 'user:pass');
    const r = decode({ text: 'Basic bGkud2VpOnMzY3JldCE=', key: 'Authorization' });
    const leaf = leafAt(r, ['base64']);
    assert.equal(leaf.text, 'li.wei:s3cret!');
    assert.equal(leaf.key, 'Authorization');
    assert.equal(leafAt(decode('Proxy-Authorization: Basic dXNlcjpwYXNz'), ['base64']).text, 'user:pass');
  });

  it('needs 16 characters for a run embedded in longer text', () => {
    assert.deepEqual(chains(decode('token dXNlcjpwYXNz here')), []);
    assert.equal(leafAt(decode(`token ${b64('user:password123')} here`), ['base64']).text, 'user:password123');
  });

  it('finds runs embedded in text: a value inside a query, a path segment', () => {
    const inner = 'adcver="6.4.4" serveId="??>>" tStmp="1361916157407833"';
    assert.match(b64url(inner), /[-_]/);
    const r = decode(`/b?T=180rioivq/X=1361916157/H=${b64url(inner)}/Q=-1/S=1`);
    assert.equal(leafAt(r, ['base64url']).text, inner);
    const p = decode(`/api/v2/upload/${b64(json)}/done`);
    assert.equal(leafAt(p, ['base64', 'json:$.imei']).text, IMEI);
  });

  it('reads Yahoo-style base64 whose padding is written as -', () => {
    const r = decode('H=YWRjdmVyPSI2LjQuNCIgc2VydmVJZD0iUkQ1OGp6YzJMakgyMzlYVlVTMHcxUnJOTlRBdU4xRXRNUDNfXzcwayIgdFN0bXA9IjEzNjE5MTYxNTc0MDc4MzMiIA--');
    assert.equal(leafAt(r, ['form:H', 'base64url']).text, 'adcver="6.4.4" serveId="RD58jzc2LjH239XVUS0w1RrNNTAuN1EtMP3__70k" tStmp="1361916157407833" ');
  });

  it('follows base64 to gzip, zlib and protobuf by their magic', () => {
    const gz = decode(gzipSync(Buffer.from(json)).toString('base64'));
    assert.equal(leafAt(gz, ['base64', 'gzip', 'json:$.imei']).text, IMEI);
    const z = decode(deflateSync(Buffer.from(json)).toString('base64'));
    assert.equal(leafAt(z, ['base64', 'zlib', 'json:$.imei']).text, IMEI);
    const msg = pb([[1, { str: IMEI }], [2, { varint: 42 }]]);
    const p = decode(`q=${msg.toString('base64')}`);
    assert.equal(leafAt(p, ['form:q', 'base64', 'protobuf:1']).text, IMEI);
    assert.equal(leafAt(p, ['form:q', 'base64', 'protobuf:2']).text, '42');
  });

  it('does not decode decoys: words, identifiers, hashes, digits, UUIDs, versions, user agents', () => {
    for (const decoy of DECOYS) {
      assert.deepEqual(chains(decode(decoy)), [], decoy);
      assert.deepEqual(chains(decode(`prefix ${decoy} suffix`)), [], decoy);
    }
  });

  it('does not decode random tokens that decode to binary', () => {
    for (let i = 0; i < 200; i++) {
      const token = createHash('sha256').update(String(i)).digest('base64');
      assert.deepEqual(chains(decode(token)), [], token);
    }
  });

  it('decodes a token repeated in one text once', () => {
    const t = b64('user:password123');
    assert.equal(chains(decode(`${t} ${t} ${t}`)).length, 1);
  });
});

describe('decodeField: hex', () => {
  it('decodes even hex runs of ≥ 16 digits to text (chain hex)', () => {
    assert.equal(leafAt(decode('48656c6c6f20576f726c6421'), ['hex']).text, 'Hello World!');
    assert.equal(leafAt(decode('0x3836383731353339323735363833'), ['hex']).text, '86871539275683');
    assert.equal(leafAt(decode('id=48656C6C6F20576F726C6421'), ['form:id', 'hex']).text, 'Hello World!');
  });

  it('follows hex to gzip', () => {
    const r = decode(gzipSync(Buffer.from(`{"imei":"${IMEI}"}`)).toString('hex'));
    assert.equal(leafAt(r, ['hex', 'gzip', 'json:$.imei']).text, IMEI);
  });

  it('leaves hashes alone (they stay in the raw leaf for the hash matcher)', () => {
    for (const hash of ['88f26657e4d293cd1f300606ca27ec55', '3dfb4965bb5ade84b5733cd6b9a0110d32ec9e3f', 'bda23dd05a5fb5ae41f3af162c7af75eff63569158c06294162b46a8a7dd4358']) {
      const r = decode({ text: hash, key: 'imei_md5' });
      assert.deepEqual(chains(r), []);
      assert.equal(r.leaves[0].text, hash);
    }
  });

  it('skips odd-length and short runs', () => {
    assert.deepEqual(chains(decode('48656c6c6f20576f726c642')), []);
    assert.deepEqual(chains(decode('48656c6c6f2057')), []);
  });
});

describe('decodeField: compression', () => {
  const body = JSON.stringify({ code: 0, data: { email: 'li.wei.2706@example.com', bound_imei: IMEI } });

  it('undoes a declared Content-Encoding', () => {
    const r = decode({ bytes: gzipSync(Buffer.from(body)), contentEncoding: ['gzip'] });
    assert.equal(r.leaves[0].text, ''); // the compressed field as captured reads as nothing
    assert.equal(leafAt(r, ['gzip']).text, body);
    assert.equal(leafAt(r, ['gzip', 'json:$.data.bound_imei']).text, IMEI);
  });

  it('undoes stacked codings last to first: gzip, br, gzip', () => {
    const bytes = gzipSync(brotliCompressSync(gzipSync(Buffer.from(body))));
    const r = decode({ bytes, contentEncoding: ['gzip', 'br', 'gzip'] });
    assert.equal(leafAt(r, ['gzip', 'brotli', 'gzip', 'json:$.data.bound_imei']).text, IMEI);
  });

  it('undoes deflate, zlib-wrapped or raw', () => {
    assert.equal(leafAt(decode({ bytes: deflateSync(Buffer.from(body)), contentEncoding: ['deflate'] }), ['zlib']).text, body);
    assert.equal(leafAt(decode({ bytes: deflateRawSync(Buffer.from(body)), contentEncoding: ['deflate'] }), ['deflate']).text, body);
  });

  it('treats a body the producer already decoded as the text it is', () => {
    const r = decode({ bytes: Buffer.from(body), contentEncoding: ['gzip'] });
    assert.equal(r.leaves[0].text, body);
    assert.equal(leafAt(r, ['json:$.data.bound_imei']).text, IMEI);
    const br = decode({ bytes: Buffer.from(body), contentEncoding: ['br'] });
    assert.equal(leafAt(br, ['json:$.data.bound_imei']).text, IMEI);
  });

  it('finds gzip and zlib by magic without a declaration, but not brotli (no magic)', () => {
    assert.equal(leafAt(decode({ bytes: gzipSync(Buffer.from(body)) }), ['gzip', 'json:$.data.bound_imei']).text, IMEI);
    assert.equal(leafAt(decode({ bytes: deflateSync(Buffer.from(body)) }), ['zlib', 'json:$.data.bound_imei']).text, IMEI);
    assert.ok(!chains(decode({ bytes: brotliCompressSync(Buffer.from(body)) })).some((c) => c.includes('brotli')));
  });

  it('reads what a truncated gzip stream holds', () => {
    const gz = gzipSync(Buffer.from(`{"imei":"${IMEI}","pad":"${'x'.repeat(5000)}"}`));
    const r = decode({ bytes: gz.subarray(0, gz.length - 20), contentEncoding: ['gzip'] });
    assert.ok(leafAt(r, ['gzip']).text.startsWith(`{"imei":"${IMEI}"`));
  });

  it('skips a coding it cannot undo and keeps the bytes', () => {
    const r = decode({ bytes: Buffer.from('plain text body'), contentEncoding: ['zstd'] });
    assert.equal(r.leaves[0].text, 'plain text body');
  });
});

describe('decodeField: JSON', () => {
  it('gives one leaf per scalar with key, keyPath, unquoted and the exact number text', () => {
    const text = `{"owner":"13873243456","device":{"imei":${IMEI},"big":12345678901234567890123,"f":39.9089740,"e":1E+21,"ok":true,"gone":null,"empty":""},"contacts":[{"phone":"+86 139 2344 9289"},{"phone":"13958025755"}],"tags":["a","b"]}`;
    const r = decode({ text, contentType: 'application/json' });
    const imei = leafAt(r, ['json:$.device.imei']);
    assert.deepEqual(imei, { text: IMEI, chain: ['json:$.device.imei'], key: 'imei', keyPath: ['device', 'imei'], unquoted: true });
    assert.equal(leafAt(r, ['json:$.device.big']).text, '12345678901234567890123');
    assert.equal(leafAt(r, ['json:$.device.f']).text, '39.9089740');
    assert.equal(leafAt(r, ['json:$.device.e']).text, '1E+21');
    assert.equal(leafAt(r, ['json:$.device.ok']).text, 'true');
    assert.equal(leafAt(r, ['json:$.device.ok']).unquoted, true);
    assert.equal(leafAt(r, ['json:$.owner']).unquoted, undefined);
    const phone = leafAt(r, ['json:$.contacts[1].phone']);
    assert.equal(phone.text, '13958025755');
    assert.equal(phone.key, 'phone');
    assert.deepEqual(phone.keyPath, ['contacts', '[1]', 'phone']);
    const tag = leafAt(r, ['json:$.tags[1]']);
    assert.equal(tag.key, 'tags'); // array elements take the parent key
    assert.ok(!r.leaves.some((l) => l.chain[0] === 'json:$.device.gone' || l.chain[0] === 'json:$.device.empty'));
    // Document order.
    assert.deepEqual(chains(r).slice(0, 3), ['json:$.owner', 'json:$.device.imei', 'json:$.device.big']);
  });

  it('keeps lat/lon siblings as number leaves with their keys', () => {
    const r = decode('{"location":{"lat":39.908974,"lng":116.398468,"accuracy":12.5,"provider":"gps"}}');
    const lat = leafAt(r, ['json:$.location.lat']);
    const lng = leafAt(r, ['json:$.location.lng']);
    assert.deepEqual([lat.text, lat.keyPath, lng.text, lng.keyPath], ['39.908974', ['location', 'lat'], '116.398468', ['location', 'lng']]);
  });

  it('decodes JSON inside a JSON string', () => {
    const r = decode(JSON.stringify({ data: JSON.stringify({ imei: IMEI, nested: JSON.stringify({ imsi: IMSI }) }) }));
    const imei = leafAt(r, ['json:$.data', 'json:$.imei']);
    assert.equal(imei.text, IMEI);
    assert.deepEqual(imei.keyPath, ['data', 'imei']);
    assert.equal(leafAt(r, ['json:$.data', 'json:$.nested', 'json:$.imsi']).text, IMSI);
  });

  it('keeps every value of a repeated key (JSON.parse would drop the first)', () => {
    const r = decode(`{"imei":"000000000000000","imei":"${IMEI}"}`);
    assert.deepEqual(decoded(r).map((l) => l.text), ['000000000000000', IMEI]);
  });

  it('unescapes strings and writes odd keys in bracket notation', () => {
    const r = decode('{"a b":"x\\u00e9\\n\\"y\\"","c\'d":{"e":"\\ud83d\\ude00"}}');
    assert.equal(leafAt(r, ["json:$['a b']"]).text, 'xé\n"y"');
    assert.equal(leafAt(r, ["json:$['c\\'d'].e"]).text, '😀');
  });

  it('skips anti-XSSI prefixes', () => {
    assert.equal(leafAt(decode(`)]}'\n{"imei":"${IMEI}"}`), ['json:$.imei']).text, IMEI);
  });

  it('treats invalid JSON as text (no partial leaves)', () => {
    assert.ok(!chains(decode(`{"imei":"${IMEI}", oops}`)).some((c) => c.startsWith('json:')));
    assert.ok(!chains(decode('[1, 2')).some((c) => c.startsWith('json:')));
    assert.deepEqual(chains(decode('"just a string"')), []);
    assert.deepEqual(chains(decode('12345')), []);
  });
});

describe('decodeField: JWT', () => {
  it('decodes header and payload JSON; the signature stays opaque', () => {
    const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = b64url(JSON.stringify({ sub: IMEI, imsi: IMSI }));
    const signature = b64url(createHash('sha256').update('sig').digest());
    const r = decode({ text: `Bearer ${header}.${payload}.${signature}`, key: 'Authorization' });
    assert.equal(leafAt(r, ['jwt:header', 'json:$.alg']).text, 'HS256');
    const sub = leafAt(r, ['jwt:payload', 'json:$.sub']);
    assert.equal(sub.text, IMEI);
    assert.equal(sub.key, 'sub');
    assert.deepEqual(
      chains(r).filter((c) => !c.startsWith('jwt:')),
      [],
      'no base64 layers from the token segments',
    );
  });

  it('needs a header with "alg"', () => {
    const fake = `${b64url('{"x":1,"y":"zzzzzz"}')}.${b64url('{"sub":"1"}')}.abc`;
    assert.ok(!chains(decode(fake)).some((c) => c.startsWith('jwt:')));
  });
});

describe('decodeField: multipart', () => {
  const boundary = '----WebKitFormBoundary7MA4YWxkTrZu0gW';
  const contacts = JSON.stringify([{ name: '张伟', phone: '+86 139 2344 9289' }]);
  const gz = gzipSync(Buffer.from(JSON.stringify({ imei: IMEI })));
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="owner"\r\n\r\n+8613873243456\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="contacts"; filename="contacts.json"\r\nContent-Type: application/json\r\n\r\n${contacts}\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="blob"; filename="d.gz"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    gz,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);

  it('splits parts by the Content-Type boundary and decodes each', () => {
    const r = decode({ bytes: body, contentType: `multipart/form-data; boundary=${boundary}` });
    const owner = leafAt(r, ['multipart:owner']);
    assert.equal(owner.text, '+8613873243456');
    assert.equal(owner.key, 'owner');
    const phone = leafAt(r, ['multipart:contacts', 'json:$[0].phone']);
    assert.equal(phone.text, '+86 139 2344 9289');
    assert.deepEqual(phone.keyPath, ['contacts', '[0]', 'phone']);
    assert.equal(leafAt(r, ['multipart:blob', 'gzip', 'json:$.imei']).text, IMEI);
  });

  it('sniffs the boundary when the Content-Type is missing', () => {
    const r = decode({ bytes: body });
    assert.equal(leafAt(r, ['multipart:owner']).text, '+8613873243456');
    const t = decode({ text: body.subarray(0, body.indexOf(`--${boundary}\r\nContent-Disposition: form-data; name="blob"`)).toString() });
    assert.equal(leafAt(t, ['multipart:contacts', 'json:$[0].name']).text, '张伟');
  });

  it('tolerates a missing closing boundary and LF line ends', () => {
    const lf = `--xyz\nContent-Disposition: form-data; name="email"\n\nli.wei.2706@example.com\n--xyz\nContent-Disposition: form-data; name="x"\n\ncut off here`;
    const r = decode({ text: lf });
    assert.equal(leafAt(r, ['multipart:email']).text, 'li.wei.2706@example.com');
    assert.equal(leafAt(r, ['multipart:x']).text, 'cut off here');
  });
});

describe('decodeField: protobuf', () => {
  const message = pb([
    [1, { str: IMEI }],
    [2, { varint: BigInt(IMSI) }],
    [3, { msg: [[1, { str: 'China Unicom' }], [2, { double: 39.908974 }], [3, { double: 116.398468 }]] }],
    [4, { varint: 2n ** 63n + 5n }],
    [5, { fixed32: 1407024000 }],
    [6, { msg: [[1, { str: 'x'.repeat(40) }]] }], // a nested message that is also printable text
  ]);

  it('parses a schemaless message: strings, varints (BigInt-exact), doubles, nested paths', () => {
    const r = decode({ bytes: message, contentType: 'application/x-protobuf' });
    const imei = leafAt(r, ['protobuf:1']);
    assert.equal(imei.text, IMEI);
    assert.equal(imei.key, '1');
    const imsi = leafAt(r, ['protobuf:2']);
    assert.equal(imsi.text, IMSI);
    assert.equal(imsi.unquoted, true);
    const carrier = leafAt(r, ['protobuf:3.1']);
    assert.equal(carrier.text, 'China Unicom');
    assert.equal(carrier.key, '3.1');
    assert.deepEqual(carrier.keyPath, ['3', '1']);
    assert.equal(leafAt(r, ['protobuf:3.2']).text, '39.908974');
    assert.equal(leafAt(r, ['protobuf:3.3']).text, '116.398468');
    assert.equal(leafAt(r, ['protobuf:4']).text, (2n ** 63n + 5n).toString());
    assert.equal(leafAt(r, ['protobuf:5']).text, '1407024000');
    assert.equal(leafAt(r, ['protobuf:6.1']).text, 'x'.repeat(40));
  });

  it('parses undeclared binary bodies when the message is plausible', () => {
    assert.equal(leafAt(decode({ bytes: message }), ['protobuf:1']).text, IMEI);
  });

  it('decodes protobuf string fields further', () => {
    const r = decode({ bytes: pb([[1, { str: JSON.stringify({ imei: IMEI }) }], [2, { varint: 1 }]]) });
    assert.equal(leafAt(r, ['protobuf:1', 'json:$.imei']).text, IMEI);
  });

  it('rejects text, short input, trailing bytes, bad wire types and huge field numbers', () => {
    const none = (bytes: Buffer): void => assert.ok(!chains(decode({ bytes, contentType: 'application/x-protobuf' })).some((c) => c.startsWith('protobuf:')), bytes.toString('hex'));
    none(Buffer.from('hello protobuf, i am text'));
    none(Buffer.from([0x08, 0x01]));
    none(Buffer.concat([message, Buffer.from([0x08])]));
    none(Buffer.from([0x0b, 0x01, 0x02, 0x03, 0x04])); // wire type 3
    none(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x10, 0x01])); // field 2^29 (the largest is 2^29 - 1)
    none(Buffer.from([0x0a, 0x10, 0x41, 0x42])); // length past the end
  });

  it('does not take random binary for protobuf', () => {
    let hits = 0;
    for (let i = 0; i < 500; i++) {
      const bytes = createHash('sha512').update(String(i)).digest();
      if (chains(decode({ bytes })).some((c) => c.startsWith('protobuf:'))) hits++;
    }
    assert.equal(hits, 0);
  });
});

// ---- bounds ---------------------------------------------------------------------------------

describe('decodeField: bounds', () => {
  let bomb: Buffer;
  before(async function () {
    this.timeout(60_000);
    bomb = await gzipBomb(1);
  });

  it('stops a 1 GiB gzip bomb at maxOutputBytes, quickly', () => {
    assert.ok(bomb.length < 2_000_000, `bomb is ${bomb.length} bytes`);
    const { value: r, ms } = timed(() => decodeField({ bytes: bomb, contentEncoding: ['gzip'] }));
    assert.ok(ms < 5000, `took ${ms} ms`);
    assert.deepEqual(r.limits.map((l) => [l.chain, l.limit]), [[['gzip'], 'max-output-bytes']]);
    // The head up to the cap is decoded (and scanned), never more than the cap.
    const head = /^gzip output exceeded (\d+) bytes; its first (\d+) bytes were decoded$/.exec(r.limits[0].detail);
    assert.ok(head && Number(head[1]) === DEFAULT_DECODE_LIMITS.maxOutputBytes && Number(head[2]) <= Number(head[1]), r.limits[0].detail);
    assert.ok(r.leaves.length >= 1);
    assert.deepEqual(r.leaves[0].chain, []);
  });

  it('stops the same bomb inside base64, recording the chain', () => {
    const { value: r, ms } = timed(() => decodeField({ text: bomb.toString('base64') }));
    assert.ok(ms < 5000, `took ${ms} ms`);
    assert.deepEqual(r.limits.map((l) => [l.chain, l.limit]), [[['base64', 'gzip'], 'max-output-bytes']]);
    assert.match(r.limits[0].detail, /^gzip output exceeded \d+ bytes; its first \d+ bytes were decoded$/);
  });

  it('bounds total output by maxRatio', () => {
    const small = gzipSync(Buffer.alloc(4 << 20, 0x41)); // 4 MiB of "A" in ~4 KB
    const r = decodeField({ bytes: small, contentEncoding: ['gzip'] });
    // The gzip step stops at the budget; its decoded head ("AAAA…", also a hex run) then finds the budget spent.
    assert.ok(r.limits.length >= 1 && r.limits.every((l) => l.limit === 'max-ratio'), JSON.stringify(r.limits));
    assert.deepEqual(r.limits[0].chain, ['gzip']);
  });

  it('stops base64 nested 20 deep at maxDepth, with a limit record', () => {
    let text = `{"imei":"${IMEI}"}`;
    for (let i = 0; i < 20; i++) text = b64(text);
    const r = decode(text);
    const deepest = Math.max(...r.leaves.map((l) => l.chain.length));
    assert.equal(deepest, DEFAULT_DECODE_LIMITS.maxDepth);
    assert.equal(r.limits.length, 1);
    assert.equal(r.limits[0].limit, 'max-depth');
    assert.deepEqual(r.limits[0].chain, Array(DEFAULT_DECODE_LIMITS.maxDepth + 1).fill('base64'));
    // With a deeper bound, the IMEI comes out.
    const all = decodeField({ text }, { ...DEFAULT_DECODE_LIMITS, maxDepth: 21 });
    assert.deepEqual(all.limits, []);
    assert.equal(leafAt(all, [...Array(20).fill('base64'), 'json:$.imei']).text, IMEI);
  });

  it('survives JSON nested a million deep, keeping the shallow values', () => {
    const depth = 1_000_000;
    const text = `{"imei":"${IMEI}","a":${'['.repeat(depth)}1${']'.repeat(depth)}}`;
    const { value: r, ms } = timed(() => decode(text));
    assert.ok(ms < 5000, `took ${ms} ms`);
    assert.equal(leafAt(r, ['json:$.imei']).text, IMEI);
    assert.ok(r.limits.some((l) => l.limit === 'max-depth' && l.chain[0] === 'json'));
    const objects = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const o = decode(objects);
    assert.ok(o.limits.some((l) => l.limit === 'max-depth'));
    assert.ok(o.leaves.every((l) => l.chain.every((step) => step.length < 1000)));
  });

  it('does not decode a 200 MB base64 string past maxOutputBytes', function () {
    this.timeout(60_000);
    const text = b64('868715392756833 is an IMEI.').repeat(Math.ceil(200e6 / 36)).slice(0, 200e6);
    assert.ok(!text.includes('='));
    const { value: r, ms } = timed(() => decode(text));
    assert.ok(ms < 5000, `took ${ms} ms`);
    assert.equal(r.leaves.length, 1);
    const outputHit = r.limits.find((l) => l.limit === 'max-output-bytes');
    assert.ok(outputHit, JSON.stringify(r.limits));
    assert.deepEqual(outputHit.chain, ['base64']);
    // On a slow machine scanning 200 MB may also meet the time bound; nothing else may stop it.
    assert.ok(r.limits.every((l) => l.limit === 'max-output-bytes' || l.limit === 'max-time'), JSON.stringify(r.limits));
  });

  it('stops at maxLeaves', () => {
    const text = JSON.stringify(Array.from({ length: 1000 }, (_, i) => i));
    const r = decodeField({ text }, { ...DEFAULT_DECODE_LIMITS, maxLeaves: 100 });
    assert.equal(r.leaves.length, 100);
    assert.ok(r.limits.some((l) => l.limit === 'max-leaves'));
  });

  it('stops at maxTimeMs', () => {
    const text = JSON.stringify(Array.from({ length: 2000 }, () => b64(`{"imei":"${IMEI}"}`)));
    const r = decodeField({ text }, { ...DEFAULT_DECODE_LIMITS, maxTimeMs: 0 });
    assert.ok(r.limits.some((l) => l.limit === 'max-time'));
    assert.ok(r.leaves.length < 4000);
  });
});

// ---- the corpus -----------------------------------------------------------------------------

interface Plant {
  request: string;
  type: string;
  value: string;
  location: string;
  key: string;
}

describe('decodeField on the corpus', () => {
  const harPath = resolve(CORPUS, 'generated/har/mitmproxy_hardump.har');
  let capture: Capture;
  before(() => {
    capture = loadCaptureFile(harPath);
  });

  function exchangeAt(path: string): Exchange {
    const ex = capture.exchanges.find((e) => new URL(e.request.url).pathname === path);
    assert.ok(ex, `no exchange for ${path}`);
    return ex;
  }

  function bodyInput(body: Body | undefined): FieldInput {
    assert.ok(body);
    return { bytes: body.bytes, contentType: body.mimeType, contentEncoding: body.contentCoding === 'still-encoded' ? body.contentEncoding : [] };
  }

  it('/mistats/v3/upload: base64(JSON) → the IMEI at base64 → json:$.imei', () => {
    const r = decodeField(bodyInput(exchangeAt('/mistats/v3/upload').request.body));
    const imei = leafAt(r, ['base64', 'json:$.imei']);
    assert.equal(imei.text, IMEI);
    assert.equal(leafAt(r, ['base64', 'json:$.lat']).text, '39.908974');
    assert.equal(leafAt(r, ['base64', 'json:$.lon']).unquoted, true);
  });

  it('/mistats/v3/upload_z: base64(gzip(JSON)) → IMSI and MACs (this body has no IMEI)', () => {
    const r = decodeField(bodyInput(exchangeAt('/mistats/v3/upload_z').request.body));
    assert.equal(leafAt(r, ['base64', 'gzip', 'json:$.imsi']).text, IMSI);
    assert.equal(leafAt(r, ['base64', 'gzip', 'json:$.wifi.mac']).text, '28:6c:07:c0:35:8f');
    assert.equal(leafAt(r, ['base64', 'gzip', 'json:$.wifi.bssid']).text, 'c8:3a:35:72:a2:52');
    assert.equal(leafAt(r, ['base64', 'gzip', 'json:$.gps']).text, '39.908974,116.398468');
  });

  it('recovers every body plant of the ground truth with its key', () => {
    const truth = JSON.parse(readFileSync(resolve(CORPUS, 'generated/ground_truth.json'), 'utf8')) as { plants: Plant[]; requests: { id: string; path: string }[] };
    const bodyPlants = truth.plants.filter((p) => p.location.startsWith('body.') || p.location === 'response.body');
    assert.ok(bodyPlants.length >= 30, `${bodyPlants.length} body plants`);
    for (const plant of bodyPlants) {
      const path = truth.requests.find((q) => q.id === plant.request)?.path as string;
      const ex = exchangeAt(path);
      const r = decodeField(bodyInput(plant.location === 'response.body' ? ex.response?.body : ex.request.body));
      // `lat/lon` plants hold two values; `imei / imei_again` names two places for one value.
      const pair = /^[\w.]*\w\/\w+$/.test(plant.key);
      const values = pair ? plant.value.split(',') : [plant.value];
      const keys = pair ? plant.key.replace(/^.*\./, '').split('/') : [plant.key.split(' ')[0]];
      for (const [i, value] of values.entries()) {
        const key = keys[i] ?? keys[0];
        const leaf = r.leaves.find((l) => l.text === value && l.chain.length > 0);
        assert.ok(leaf, `${plant.request} ${plant.location} ${plant.key}: no leaf ${value}`);
        const wanted = key.split('.').flatMap((k) => k.replace(/\[(\d+)\]/g, '.[$1]').split('.'));
        assert.deepEqual(leaf.keyPath?.slice(-wanted.length), wanted, `${plant.request} ${plant.key} keyPath`);
        const expectedStart = { 'body.base64json': 'base64', 'body.gzipbase64json': 'base64', 'body.form': 'form:', 'body.json': 'json:', 'response.body': 'json:' }[plant.location] ?? '';
        assert.ok(leaf.chain[0].startsWith(expectedStart), `${plant.request} chain ${formatChain(leaf.chain)}`);
      }
    }
  });

  it('decodes the still-gzipped tshark response body (chain gzip → json)', () => {
    const tshark = loadCaptureFile(resolve(CORPUS, 'generated/pcap/telemetry_small.tshark.json'));
    const ex = tshark.exchanges.find((e) => e.request.url.includes('/api/v2/profile'));
    assert.ok(ex?.response?.body);
    assert.equal(ex.response.body.contentCoding, 'still-encoded');
    const r = decodeField(bodyInput(ex.response.body));
    assert.equal(leafAt(r, ['gzip', 'json:$.data.bound_imei']).text, IMEI);
  });

  it('finds the base64 inside the Yahoo beacon URL (percent-encoded, then base64 with - padding)', () => {
    const tshark = loadCaptureFile(resolve(CORPUS, 'generated/tshark_from_public/pcapplusplus__three_http_streams.tshark.json'));
    const ex = tshark.exchanges.find((e) => e.request.url.includes('/b?P='));
    assert.ok(ex);
    const fromUrl = decodeField({ text: ex.request.url });
    assert.match(leafAt(fromUrl, ['url', 'base64url']).text, /^adcver="6\.4\.4" serveId="/);
    const t = ex.request.query.find((q) => q.name === 'T');
    assert.ok(t);
    assert.match(leafAt(decodeField({ text: t.value, key: 'T' }), ['base64url']).text, /tStmp="1361916157407833"/);
  });

  it('decodes every body of every corpus HAR without throwing, each well under the time bound', () => {
    const files = ['public/har/mitmproxy__chrome.har', 'public/har/mitmproxy__safari.har', 'public/har/harviewer__ie11.har', 'public/har/gz_proxy__kika_android_app_mitmproxy.har',
      'public/har/mitmproxy__flows_corrupted_gzip_body.har', 'generated/har/chrome-har_cdp.har', 'generated/har/playwright_chromium_full.har'];
    let bodies = 0;
    for (const file of files) {
      const cap = loadCaptureFile(resolve(CORPUS, file));
      for (const ex of cap.exchanges) {
        for (const body of [ex.request.body, ex.response?.body]) {
          if (!body) continue;
          const { value: r, ms } = timed(() => decodeField(bodyInput(body)));
          assert.ok(ms < 1000, `${file} ${ex.request.url}: ${ms} ms`);
          assert.deepEqual(r.limits, [], `${file} ${ex.request.url}`);
          bodies++;
        }
      }
    }
    assert.ok(bodies > 100);
  });

  it('finds nothing decodable in the Kika app headers except what is there (no false layers)', () => {
    const cap = loadCaptureFile(resolve(CORPUS, 'public/har/gz_proxy__kika_android_app_mitmproxy.har'));
    for (const ex of cap.exchanges) {
      for (const h of ex.request.headers) {
        const r = decodeField({ text: h.value, key: h.name });
        for (const leaf of decoded(r)) assert.ok(leaf.chain[0] === 'url' || leaf.chain[0].startsWith('form:') || leaf.chain[0].startsWith('json:'), `${h.name}: ${formatChain(leaf.chain)} ${leaf.text}`);
      }
    }
  });
});

describe('decodeField: JSON strings full of escapes', () => {
  it('reads the values after a string of 640,000 escapes (its closing quote is not searched for again after each)', () => {
    const text = `{"a":"${'\\n'.repeat(640_000)}","imei":"868715392756833"}`;
    const result = decodeField({ text, key: 'x' });
    assert.deepEqual(result.limits, [], 'no bound hit');
    const imei = result.leaves.find((l) => l.text === '868715392756833');
    assert.deepEqual(imei?.chain, ['json:$.imei']);
    assert.equal(result.leaves.find((l) => l.chain[0] === 'json:$.a')?.text.length, 640_000);
  });
});
