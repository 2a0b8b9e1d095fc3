import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadCapture, loadCaptureFile } from '../../extension/core/load/index';
import { loadTsharkJson } from '../../extension/core/load/tshark';
import type { Capture, Exchange } from '../../extension/core/model';
import { corpusFiles, corpusPath, exchangeViews, pathOfUrl, recoverablePlants, requestPath, valueVariants } from './corpus';

// Everything expected here is read from the corpus files with JSON.parse / regexes, not taken
// from the loader's own output.

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObj = { [key: string]: Json };

const isObj = (v: unknown): v is JsonObj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Packets of any tshark file as plain objects: `_source.layers` (-T json) or `layers` (-T ek). */
function rawPackets(file: string): JsonObj[] {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.jsonl')) {
    return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as JsonObj)
      .filter((o) => isObj(o.layers)).map((o) => o.layers as JsonObj);
  }
  return (JSON.parse(text) as JsonObj[]).map((p) => (p._source as JsonObj).layers as JsonObj);
}

/** Whether any key in the tree satisfies the test. */
function hasKey(value: Json, test: (key: string) => boolean): boolean {
  if (Array.isArray(value)) return value.some((v) => hasKey(v, test));
  if (!isObj(value)) return false;
  return Object.entries(value).some(([k, v]) => test(k) || hasKey(v, test));
}

const REQUEST_KEYS = new Set(['http.request.method', 'http.request.method_raw', 'http_http_request_method']);
const RESPONSE_KEYS = new Set(['http.response.code', 'http.response.code_raw', 'http_http_response_code']);

function countPackets(file: string, keys: Set<string>): number {
  return rawPackets(file).filter((layers) => hasKey(layers, (k) => keys.has(k))).length;
}

const summary = (e: Exchange): string => `${e.request.method} ${e.request.url} ${e.response?.status ?? '-'}`;
const bodyHex = (e: Exchange): string => `${Buffer.from(e.request.body?.bytes ?? []).toString('hex')}|${Buffer.from(e.response?.body?.bytes ?? []).toString('hex')}`;
const byPath = (c: Capture, path: string): Exchange => {
  const found = c.exchanges.find((e) => pathOfUrl(e.request.url) === path);
  assert.ok(found, `an exchange for ${path}`);
  return found;
};
const utf8 = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? []).toString('utf8');

const tsharkFiles = [
  ...corpusFiles('generated/pcap', (n) => n.includes('.tshark')),
  ...corpusFiles('generated/tshark_from_public'),
];

describe('tshark loader: every corpus tshark file', () => {
  it('finds the corpus', () => {
    assert.ok(tsharkFiles.length >= 27, `expected the corpus tshark files, found ${tsharkFiles.length}`);
  });

  for (const file of tsharkFiles) {
    const name = basename(file);
    it(`${name}: loads, one exchange per request packet, every response paired or warned about`, () => {
      const capture = loadCaptureFile(file);
      assert.equal(capture.format, file.endsWith('.jsonl') ? 'tshark-ek' : 'tshark-json');
      assert.equal(capture.exchanges.length, countPackets(file, REQUEST_KEYS));
      const orphans = capture.warnings.filter((w) => w.code === 'tshark-orphan-response').length;
      assert.equal(capture.exchanges.filter((e) => e.response).length + orphans, countPackets(file, RESPONSE_KEYS));
      capture.exchanges.forEach((e, i) => {
        assert.equal(e.id, i);
        assert.equal(e.origin.kind, 'tshark-frames');
        assert.ok(e.request.method !== '' && /^https?:\/\//.test(e.request.url), `${name} #${i}: ${summary(e)}`);
        if (e.origin.kind === 'tshark-frames') assert.ok(e.origin.frames.includes(e.origin.requestFrame));
      });
    });
  }

  it('sets the variant facts: duplicate keys and -x raw bytes', () => {
    const variant = (f: string): unknown => loadCaptureFile(corpusPath('generated/pcap', f)).source.variant;
    assert.deepEqual(variant('telemetry_small.tshark.json'), { duplicateKeys: true, rawBytes: false });
    assert.deepEqual(variant('telemetry_small.tshark.nodupkeys.json'), { duplicateKeys: false, rawBytes: false });
    assert.deepEqual(variant('telemetry_small.tshark.x.json'), { duplicateKeys: true, rawBytes: true });
    assert.deepEqual(variant('telemetry_small.tshark.ek.jsonl'), { duplicateKeys: false, rawBytes: false });
  });
});

describe('tshark loader: ground-truth plants', () => {
  const keys = [
    'pcap/telemetry.tshark.json', 'pcap/telemetry.tshark.ek.jsonl', 'pcap/telemetry_small.tshark.json', 'pcap/telemetry_small.tshark.ek.jsonl',
    'pcap/telemetry_small.tshark.http-only.json', 'pcap/telemetry_small.tshark.fields-e.json',
    'pcap/telemetry_small.tshark.x.json', 'pcap/telemetry_small.tshark.nodupkeys.json', 'pcap/telemetry_small.tshark.jsonraw.json',
  ];

  for (const key of keys) {
    it(`${key}: every recoverable plant is in the exchange for its request`, () => {
      const capture = loadCaptureFile(corpusPath('generated', key));
      const plants = recoverablePlants(key);
      assert.ok(plants.length >= 40, `${key} has ${plants.length} recoverable plants`);
      const missing: string[] = [];
      for (const plant of plants) {
        const views = capture.exchanges.filter((e) => pathOfUrl(e.request.url) === requestPath(plant.request)).flatMap(exchangeViews);
        // A GPS plant is "lat,lon" but is sent as two fields, as verify_plants.py also treats it.
        const parts = plant.type === 'gps' ? plant.value.split(',') : [plant.value];
        const found = parts.every((part) => valueVariants(part).some((v) => views.some((text) => text.includes(v))));
        if (!found) missing.push(`${plant.request} ${plant.type} ${plant.location} ${plant.value}`);
      }
      assert.deepEqual(missing, [], `plants not found in ${key}`);
    });
  }
});

describe('tshark loader: the variants of one capture agree', () => {
  const small = (v: string): Capture => loadCaptureFile(corpusPath(`generated/pcap/telemetry_small.tshark.${v}`));

  it('-T json, --no-duplicate-keys, -x, -T jsonraw, -Y http and -T ek give the same exchanges, headers and body bytes', () => {
    const reference = small('json');
    assert.ok(reference.exchanges.length > 0);
    for (const v of ['nodupkeys.json', 'x.json', 'jsonraw.json', 'http-only.json', 'ek.jsonl']) {
      const other = small(v);
      assert.deepEqual(other.exchanges.map(summary), reference.exchanges.map(summary), v);
      assert.deepEqual(other.exchanges.map((e) => e.request.headers), reference.exchanges.map((e) => e.request.headers), v);
      assert.deepEqual(other.exchanges.map((e) => e.response?.headers), reference.exchanges.map((e) => e.response?.headers), v);
      assert.deepEqual(other.exchanges.map(bodyHex), reference.exchanges.map(bodyHex), v);
    }
  });

  it('the full capture gives the same exchanges from -T json and -T ek', () => {
    const json = loadCaptureFile(corpusPath('generated/pcap/telemetry.tshark.json'));
    const ek = loadCaptureFile(corpusPath('generated/pcap/telemetry.tshark.ek.jsonl'));
    assert.deepEqual(ek.exchanges.map(summary), json.exchanges.map(summary));
    assert.deepEqual(ek.exchanges.map(bodyHex), json.exchanges.map(bodyHex));
  });

  for (const stem of ['pcapdroid__metadata', 'pcapplusplus__http-packets2', 'pcapplusplus__one_ipv6_http_stream', 'pcapplusplus__three_http_streams']) {
    it(`${stem}: -T json, -x and -T ek agree`, () => {
      const load = (ext: string): Capture => loadCaptureFile(corpusPath(`generated/tshark_from_public/${stem}.tshark.${ext}`));
      const json = load('json');
      for (const other of [load('x.json'), load('ek.jsonl')]) {
        assert.deepEqual(other.exchanges.map(summary), json.exchanges.map(summary));
        assert.deepEqual(other.exchanges.map(bodyHex), json.exchanges.map(bodyHex));
        assert.deepEqual(other.exchanges.map((e) => e.connection), json.exchanges.map((e) => e.connection));
      }
    });
  }

  it('request URLs, methods and statuses match the request packets read independently', () => {
    const packets = rawPackets(corpusPath('generated/pcap/telemetry_small.tshark.nodupkeys.json'));
    const uris = packets.map((l) => (isObj(l.http) ? l.http['http.request.full_uri'] : undefined)).filter((u): u is string => typeof u === 'string');
    assert.deepEqual(small('json').exchanges.map((e) => e.request.url), uris);
  });
});

describe('tshark loader: bodies', () => {
  /** http layer of the packet with the given frame number, read with JSON.parse. */
  function httpOfFrame(file: string, frame: number): JsonObj {
    const layers = rawPackets(corpusPath('generated/pcap', file)).find((l) => isObj(l.frame) && l.frame['frame.number'] === String(frame));
    assert.ok(layers && isObj(layers.http), `frame ${frame} of ${file}`);
    return layers.http;
  }

  it('-x: the CJK body is exact bytes (the same as http.file_data_raw), "中国联通" survives', () => {
    const capture = loadCaptureFile(corpusPath('generated/pcap/telemetry_small.tshark.x.json'));
    const bind = byPath(capture, '/api/v2/account/bind');
    assert.ok(utf8(bind.request.body?.bytes).includes('中国联通'));
    assert.equal(bind.origin.kind === 'tshark-frames' && bind.origin.requestFrame, 14);
    const raw = httpOfFrame('telemetry_small.tshark.x.json', 14)['http.file_data_raw'] as Json[];
    assert.deepEqual(Buffer.from(bind.request.body?.bytes ?? []), Buffer.from(raw[0] as string, 'hex'));
    assert.equal(capture.warnings.filter((w) => w.code === 'tshark-lossy-body').length, 0);
  });

  it('plain -T json: exact bytes come from tcp.payload, not from the lossy http.file_data text', () => {
    const capture = loadCaptureFile(corpusPath('generated/pcap/telemetry_small.tshark.json'));
    const text = httpOfFrame('telemetry_small.tshark.json', 14)['http.file_data'] as string;
    assert.ok(text.includes('\uFFFD'), 'tshark 4.0 text is lossy');
    const body = byPath(capture, '/api/v2/account/bind').request.body;
    assert.ok(utf8(body?.bytes).includes('中国联通'));
    assert.match(body?.note ?? '', /tcp\.payload/);
    assert.equal(capture.warnings.filter((w) => w.code === 'tshark-lossy-body').length, 0);
  });

  it('-e export without bytes: the body is the lossy text, with a note and a warning naming the frame', () => {
    const capture = loadCaptureFile(corpusPath('generated/pcap/telemetry_small.tshark.fields-e.json'));
    const body = byPath(capture, '/api/v2/account/bind').request.body;
    assert.ok(utf8(body?.bytes).includes('\uFFFD'));
    assert.match(body?.note ?? '', /U\+FFFD/);
    const warning = capture.warnings.find((w) => w.code === 'tshark-lossy-body' && w.location?.frame === 14);
    assert.ok(warning, 'a lossy-body warning for frame 14');
    assert.match(warning.location?.jsonPath ?? '', /^\$\[\d+\]\._source\.layers\.http$/);
    assert.ok(capture.warnings.some((w) => w.code === 'tshark-fields-only'));
    // No header lines in a -e export: Host and friends come from the named fields, said once.
    assert.equal(capture.warnings.filter((w) => w.code === 'tshark-headers-from-fields').length, 1);
    assert.deepEqual(byPath(capture, '/api/v2/account/bind').request.headers, [{ name: 'Host', value: 'api.account.miphone.test' }]);
  });

  it('gzip response (R10): bytes as sent, still gzip, equal to the chunk data on the wire', () => {
    for (const file of ['telemetry_small.tshark.json', 'telemetry_small.tshark.x.json', 'telemetry_small.tshark.ek.jsonl', 'telemetry_small.tshark.jsonraw.json']) {
      const capture = loadCaptureFile(corpusPath('generated/pcap', file));
      const profile = byPath(capture, '/api/v2/profile');
      const body = profile.response?.body;
      assert.deepEqual(body?.contentEncoding, ['gzip'], file);
      assert.equal(body?.contentCoding, 'still-encoded', file);
      assert.match(body?.note ?? '', /gzip not removed/, file);
      assert.match(gunzipSync(body?.bytes ?? new Uint8Array()).toString('utf8'), /"email":"li\.wei\.2706@example\.com"/, file);
    }
    const capture = loadCaptureFile(corpusPath('generated/pcap/telemetry_small.tshark.json'));
    const profile = byPath(capture, '/api/v2/profile');
    const chunks = JSON.stringify(httpOfFrame('telemetry_small.tshark.json', profile.origin.kind === 'tshark-frames' ? profile.origin.responseFrame ?? 0 : 0))
      .match(/"http\.chunk_data":"([0-9a-f:]+)"/g) ?? [];
    const wire = Buffer.concat(chunks.map((c) => Buffer.from(c.slice(19, -1).replace(/:/g, ''), 'hex')));
    assert.deepEqual(Buffer.from(profile.response?.body?.bytes ?? []), wire);
  });

  it('chunked multi-segment request (R12): de-chunked bytes, every segment frame recorded', () => {
    const file = 'telemetry_small.tshark.nodupkeys.json';
    const capture = loadCaptureFile(corpusPath('generated/pcap', file));
    const ex = byPath(capture, '/api/v2/contacts/sync_chunked');
    const layers = rawPackets(corpusPath('generated/pcap', file)).find((l) => isObj(l['tcp.segments']) && isObj(l.http) && l.http['http.transfer_encoding'] === 'chunked');
    assert.ok(layers);
    const segments = ((layers['tcp.segments'] as JsonObj)['tcp.segment'] as string[]).map(Number);
    assert.equal(ex.origin.kind, 'tshark-frames');
    if (ex.origin.kind !== 'tshark-frames') return;
    assert.equal(ex.origin.requestFrame, Number((layers.frame as JsonObj)['frame.number']));
    for (const f of segments) assert.ok(ex.origin.frames.includes(f), `segment frame ${f}`);
    const json = JSON.parse(utf8(ex.request.body?.bytes));
    assert.equal(json.owner, '+8613873243456');
    assert.equal(json.contacts.length, 6);
    assert.match(ex.request.body?.note ?? '', /chunked transfer coding removed/);
  });

  it('~180 KB multi-segment body (R11): whole body from tcp.reassembled.data, frames from tcp.segment', () => {
    const capture = loadCaptureFile(corpusPath('generated/pcap/telemetry.tshark.json'));
    const ex = byPath(capture, '/mistats/v3/applist');
    const ek = rawPackets(corpusPath('generated/pcap/telemetry.tshark.ek.jsonl')).find((l) => Array.isArray(l.tcp_tcp_segment) && isObj(l.http) && l.http.http_http_request_uri === '/mistats/v3/applist');
    assert.ok(ek);
    const declared = Number((ek.http as JsonObj).http_http_content_length);
    assert.equal(ex.request.body?.bytes.length, declared);
    assert.equal(ex.request.body?.availability, 'complete');
    const json = JSON.parse(utf8(ex.request.body?.bytes));
    assert.equal(json.imei, '868715392756833');
    assert.deepEqual(ex.origin.kind === 'tshark-frames' && ex.origin.frames, (ek.tcp_tcp_segment as string[]).map(Number).concat(
      ex.origin.kind === 'tshark-frames' && ex.response ? [ex.origin.responseFrame ?? 0] : []));
  });
});

describe('tshark loader: timing and connection', () => {
  it('startedMs is the first segment time, durationMs reaches the response frame', () => {
    const file = corpusPath('generated/pcap/telemetry_small.tshark.nodupkeys.json');
    const times = new Map(rawPackets(file).map((l) => [Number((l.frame as JsonObj)['frame.number']), Number((l.frame as JsonObj)['frame.time_epoch']) * 1000]));
    for (const ex of loadCaptureFile(file).exchanges) {
      if (ex.origin.kind !== 'tshark-frames') continue;
      const start = times.get(ex.origin.frames[0]) ?? NaN;
      assert.ok(Math.abs(ex.startedMs - start) < 0.001, `start of ${summary(ex)}`);
      assert.equal(ex.startedDateTime, new Date(ex.startedMs).toISOString());
      const end = times.get(ex.origin.responseFrame ?? -1) ?? NaN;
      assert.ok(Math.abs(ex.durationMs - (end - start)) < 0.001, `duration of ${summary(ex)}`);
    }
  });

  it('addresses, ports and tcp.stream; DNS answers name the server', () => {
    const file = corpusPath('generated/tshark_from_public/pcapdroid__metadata.tshark.json');
    const capture = loadCaptureFile(file);
    const packets = rawPackets(file);
    const dnsWithAddresses = packets.filter((l) => isObj(l.dns) && hasKey(l.dns, (k) => k === 'dns.a' || k === 'dns.aaaa'));
    assert.equal(capture.dns.length, dnsWithAddresses.length);
    const ex = capture.exchanges.find((e) => e.request.url === 'http://www.internetbadguys.com/');
    assert.ok(ex);
    const layers = packets[ex.origin.kind === 'tshark-frames' ? ex.origin.packetIndex : -1];
    assert.equal(ex.connection.clientAddress, (layers.ip as JsonObj)['ip.src']);
    assert.equal(ex.connection.serverAddress, (layers.ip as JsonObj)['ip.dst']);
    assert.equal(ex.connection.serverPort, Number((layers.tcp as JsonObj)['tcp.dstport']));
    assert.equal(ex.connection.id, (layers.tcp as JsonObj)['tcp.stream']);
    assert.deepEqual(ex.connection.dnsNames, ['www.internetbadguys.com']);
    assert.equal(ex.secure, false);
    const encrypted = capture.warnings.find((w) => w.code === 'tshark-encrypted');
    assert.match(encrypted?.message ?? '', /google\.it/);
  });

  it('IPv6: ipv6.src/dst are the connection addresses', () => {
    const capture = loadCaptureFile(corpusPath('generated/tshark_from_public/pcapplusplus__one_ipv6_http_stream.tshark.json'));
    assert.ok(capture.exchanges.length > 0);
    for (const e of capture.exchanges) assert.ok(e.connection.serverAddress?.includes(':'), e.connection.serverAddress);
  });
});

// ---- hand-made packets ----

const hex = (s: string): string => Buffer.from(s, 'latin1').toString('hex').replace(/(..)(?!$)/g, '$1:');

function packet(frame: number, layers: JsonObj): JsonObj {
  return {
    _index: 'packets', _type: 'doc', _score: null,
    _source: { layers: { frame: { 'frame.number': String(frame), 'frame.time_epoch': `1700000000.${String(frame).padStart(3, '0')}000000` }, ...layers } },
  };
}

function ipTcp(client: boolean, stream: string, port = 443): JsonObj {
  return {
    ip: { 'ip.src': client ? '10.0.0.2' : '10.9.9.9', 'ip.dst': client ? '10.9.9.9' : '10.0.0.2' },
    tcp: { 'tcp.srcport': client ? '50000' : String(port), 'tcp.dstport': client ? String(port) : '50000', 'tcp.stream': stream },
  };
}

describe('tshark loader: hand-made packets', () => {
  it('malformed packets and layers become warnings with JSON paths, never exceptions', () => {
    const good = packet(4, { ...ipTcp(true, '0', 80), http: { 'GET /ok HTTP/1.1\\r\\n': { 'http.request.method': 'GET', 'http.request.uri': '/ok', 'http.request.version': 'HTTP/1.1' }, 'http.request.line': 'Host: a.test\r\n' } });
    const packets = [
      packet(1, { http: 5 }),
      7,
      { _index: 'x' },
      { _source: { layers: 'nope' } },
      packet(2, { http: ['x', 1] }),
      good,
    ];
    const text = JSON.stringify(packets);
    let capture: Capture | undefined;
    assert.doesNotThrow(() => { capture = loadCapture(Buffer.from(text), 'hand.json'); });
    assert.ok(capture);
    assert.deepEqual(capture.exchanges.map(summary), ['GET http://a.test/ok -']);
    const paths = capture.warnings.map((w) => w.location?.jsonPath);
    assert.ok(paths.includes('$[0]._source.layers.http'), JSON.stringify(paths));
    assert.ok(paths.includes('$[1]'));
    assert.ok(paths.includes('$[2]._source'));
    assert.ok(paths.includes('$[3]._source.layers'));
    assert.ok(paths.includes('$[4]._source.layers.http'));
    assert.equal(capture.warnings.find((w) => w.location?.jsonPath === '$[0]._source.layers.http')?.location?.frame, 1);
    // The same array given straight to the loader, including values sniffing would refuse.
    assert.doesNotThrow(() => loadTsharkJson([null, 'x', [], { _source: null }, { _source: { layers: { frame: 3, http: { 'http.request.method': 9 } } } }], 0));
  });

  it('TLS SNI from the ClientHello names the connection; port 443 makes the URL https', () => {
    const capture = loadCapture(Buffer.from(JSON.stringify([
      packet(1, { ...ipTcp(true, '5'), tls: { 'tls.record': { 'tls.handshake': { 'Extension: server_name (len=14)': { 'Server Name Indication extension': { 'tls.handshake.extensions_server_name': 'api.secure.test' } } } } } }),
      packet(2, { ...ipTcp(true, '5'), http: { 'GET /x?imei=1 HTTP/1.1\\r\\n': { 'http.request.method': 'GET', 'http.request.uri': '/x?imei=1', 'http.request.version': 'HTTP/1.1' }, 'http.request.line': ['Host: api.secure.test\r\n', 'Cookie: a=1; b=2\r\n'], 'http.response_in': '3' } }),
      packet(3, { ...ipTcp(false, '5'), http: { 'HTTP/1.1 200 OK\\r\\n': { 'http.response.version': 'HTTP/1.1', 'http.response.code': '200', 'http.response.phrase': 'OK' }, 'http.response.line': ['Set-Cookie: s=9; Path=/; HttpOnly\r\n', 'Content-Type: text/plain\r\n'], 'http.file_data': 'hi' } }),
    ])), 'tls.json');
    const [ex] = capture.exchanges;
    assert.equal(ex.request.url, 'https://api.secure.test/x?imei=1');
    assert.equal(ex.connection.tlsSni, 'api.secure.test');
    assert.equal(ex.secure, true);
    assert.deepEqual(ex.request.query, [{ name: 'imei', value: '1' }]);
    assert.deepEqual(ex.request.cookies, [{ name: 'a', value: '1' }, { name: 'b', value: '2' }]);
    assert.equal(ex.response?.status, 200);
    assert.equal(ex.response?.mimeType, 'text/plain');
    assert.deepEqual(ex.response?.cookies, [{ name: 's', value: '9', path: '/', httpOnly: true }]);
    assert.equal(utf8(ex.response?.body?.bytes), 'hi');
    assert.match(ex.response?.body?.note ?? '', /http\.file_data/);
  });

  it('two pipelined requests in one segment: each body is cut from the payload at its own offset', () => {
    const first = 'POST /a HTTP/1.1\r\nHost: p.test\r\nContent-Length: 3\r\n\r\nabc';
    const second = 'POST /b HTTP/1.1\r\nHost: p.test\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n1\r\nz\r\n0\r\n\r\n';
    const http = (uri: string, lines: string[]): JsonObj => ({ [`POST ${uri} HTTP/1.1\\r\\n`]: { 'http.request.method': 'POST', 'http.request.uri': uri, 'http.request.version': 'HTTP/1.1' }, 'http.request.line': lines });
    // Written as tshark does: the repeated "http" key, which the loader's parser collects.
    const layers = `{"frame":{"frame.number":"7","frame.time_epoch":"1700000000.5"},"ip":{"ip.src":"10.0.0.2","ip.dst":"10.9.9.9"},"tcp":{"tcp.srcport":"5","tcp.dstport":"80","tcp.stream":"0","tcp.payload":"${hex(first + second)}"},`
      + `"http":${JSON.stringify(http('/a', ['Host: p.test\r\n', 'Content-Length: 3\r\n']))},"http":${JSON.stringify(http('/b', ['Host: p.test\r\n', 'Transfer-Encoding: chunked\r\n']))}}`;
    const capture = loadCapture(Buffer.from(`[{"_index":"p","_source":{"layers":${layers}}}]`), 'pipelined.json');
    assert.deepEqual(capture.exchanges.map((e) => `${pathOfUrl(e.request.url)}=${utf8(e.request.body?.bytes)}`), ['/a=abc', '/b=xyz']);
    assert.equal(capture.source.variant?.duplicateKeys, true);
  });

  it('a 100 Continue before the final response in the same segment is skipped, not paired', () => {
    const wire = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
    const status = (code: string, phrase: string): JsonObj => ({ [`HTTP/1.1 ${code} ${phrase}\\r\\n`]: { 'http.response.version': 'HTTP/1.1', 'http.response.code': code, 'http.response.phrase': phrase }, 'http.request_in': '1' });
    const response = packet(2, { ...ipTcp(false, '0', 80), http: [status('100', 'Continue'), { ...status('200', 'OK'), 'http.response.line': 'Content-Length: 2\r\n' }] });
    ((response._source as JsonObj).layers as JsonObj).tcp = { ...(ipTcp(false, '0', 80).tcp as JsonObj), 'tcp.payload': hex(wire) };
    const request = packet(1, { ...ipTcp(true, '0', 80), http: { 'POST /up HTTP/1.1\\r\\n': { 'http.request.method': 'POST', 'http.request.uri': '/up', 'http.request.version': 'HTTP/1.1' }, 'http.request.line': 'Host: c.test\r\n' } });
    const capture = loadCapture(Buffer.from(JSON.stringify([request, response])), 'continue.json');
    assert.deepEqual(capture.exchanges.map(summary), ['POST http://c.test/up 200']);
    assert.equal(utf8(capture.exchanges[0].response?.body?.bytes), 'ok');
    assert.deepEqual(capture.warnings.filter((w) => w.code === 'tshark-orphan-response'), []);
  });

  it('responses are paired in order on their connection when tshark did not link them (jsonraw)', () => {
    const capture = loadCaptureFile(corpusPath('generated/pcap/telemetry_small.tshark.jsonraw.json'));
    assert.ok(capture.warnings.some((w) => w.code === 'tshark-jsonraw'));
    const json = loadCaptureFile(corpusPath('generated/pcap/telemetry_small.tshark.json'));
    assert.deepEqual(capture.exchanges.map((e) => e.origin.kind === 'tshark-frames' && [e.origin.requestFrame, e.origin.responseFrame]),
      json.exchanges.map((e) => e.origin.kind === 'tshark-frames' && [e.origin.requestFrame, e.origin.responseFrame]));
  });
});

describe('tshark loader: -T ek lines', () => {
  it('a truncated and a garbled line give warnings with their line numbers; the rest loads', () => {
    const file = corpusPath('generated/pcap/telemetry_small.tshark.ek.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n');
    const requestLine = lines.findIndex((l) => l.includes('"http_http_request_method"'));
    const otherLine = lines.findIndex((l, i) => i > requestLine && l.startsWith('{"timestamp"') && !l.includes('"http"'));
    lines[requestLine] = lines[requestLine].slice(0, Math.floor(lines[requestLine].length / 2));
    lines[otherLine] = `{"timestamp": oops ${lines[otherLine]}`;
    lines.splice(otherLine + 1, 0, '[1,2,3]');
    const capture = loadCapture(Buffer.from(lines.join('\n')), 'broken.jsonl');
    const bad = capture.warnings.filter((w) => w.code === 'tshark-ek-bad-line').map((w) => w.location?.line);
    assert.deepEqual(bad, [requestLine + 1, otherLine + 1, otherLine + 2]);
    assert.equal(capture.exchanges.length, countPackets(file, REQUEST_KEYS) - 1);
    // Its response now has no request: kept as a warning, not dropped silently.
    assert.ok(capture.warnings.some((w) => w.code === 'tshark-orphan-response' && typeof w.location?.line === 'number'));
  });
});
