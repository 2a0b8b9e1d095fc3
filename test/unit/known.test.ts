import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  KnownValueError, KnownValueMatcher, knownKindOf, knownMatchOf, knownValueProblem, normaliseKnown, parseKnownFile, parseKnownSpec,
  type KnownHit, type KnownValue,
} from '../../extension/core/detect/known';
import { CaseFoldedAutomaton } from '../../extension/core/detect/known/automaton';
import { corpusPath } from './corpus';

// Expected encodings are computed here with node:crypto and Buffer, independently of the
// matcher's own variant generator.

interface Device {
  imei: string;
  imei2: string;
  imsi: string;
  iccid: string;
  phone: string;
  android_id: string;
  wifi_mac: string;
  wifi_bssid: string;
  bt_mac: string;
  gaid: string;
  email: string;
  email2: string;
  lat: string;
  lon: string;
  telco_name_en: string;
  hashes: { imei_md5: string; imei_sha1: string; android_id_sha256: string; mac_md5: string };
}

const device = (JSON.parse(readFileSync(corpusPath('generated/ground_truth.json'), 'utf8')) as { device: Device }).device;

const IMEI = device.imei; // 868715392756833
const MAC = device.wifi_mac; // 28:6c:07:c0:35:8f

const digest = (alg: string, s: string | Buffer): Buffer => createHash(alg).update(s).digest();
const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
const b64url = (s: string | Buffer): string => Buffer.from(s).toString('base64url');
const hex = (s: string | Buffer): string => Buffer.from(s).toString('hex');

function deviceValues(): KnownValue[] {
  return [
    { kind: 'imei', value: device.imei }, { kind: 'imei', value: device.imei2 }, { kind: 'imsi', value: device.imsi },
    { kind: 'iccid', value: device.iccid }, { kind: 'phone', value: device.phone }, { kind: 'android_id', value: device.android_id },
    { kind: 'mac', value: device.wifi_mac }, { kind: 'mac', value: device.wifi_bssid }, { kind: 'mac', value: device.bt_mac },
    { kind: 'ad_id', value: device.gaid }, { kind: 'email', value: device.email }, { kind: 'email', value: device.email2 },
    { kind: 'geo', value: `${device.lat},${device.lon}` }, { kind: 'carrier', value: device.telco_name_en },
  ];
}

/** The hits of one matcher over `text`, as `variant=matchedText` strings. */
function found(m: KnownValueMatcher, text: string): string[] {
  return m.match(text).map((h) => `${h.variant}=${h.matchedText}`);
}

/** Asserts `needle` embedded in some text is found exactly once, as `variant`, at the right offsets. */
function assertFinds(m: KnownValueMatcher, needle: string, variant: string, before = 'x=', after = '&y'): KnownHit {
  const text = `${before}${needle}${after}`;
  const hits = m.match(text);
  assert.equal(hits.length, 1, `${variant}: expected one hit for ${JSON.stringify(needle)} in ${JSON.stringify(text)}, got ${JSON.stringify(hits.map((h) => [h.variant, h.matchedText]))}`);
  assert.equal(hits[0].variant, variant, `variant for ${JSON.stringify(needle)}`);
  assert.equal(hits[0].matchedText, needle);
  assert.equal(hits[0].start, before.length);
  assert.equal(hits[0].end, before.length + needle.length);
  assert.equal(text.slice(hits[0].start, hits[0].end), hits[0].matchedText);
  return hits[0];
}

describe('known-value matcher', () => {
  describe('normalisation', () => {
    it('gives each kind its canonical form', () => {
      assert.equal(normaliseKnown('imei', ' 86-871539-275683-3 '), IMEI);
      assert.equal(normaliseKnown('imsi', '460 01 0886207782'), '460010886207782');
      assert.equal(normaliseKnown('iccid', '8986011240739072446F'), '8986011240739072446');
      assert.equal(normaliseKnown('phone', '+86 138-7324 (3456)'), '+8613873243456');
      assert.equal(normaliseKnown('phone', '0086 13873243456'), '+8613873243456');
      assert.equal(normaliseKnown('phone', '(212) 555-0189'), '2125550189');
      assert.equal(normaliseKnown('email', '  Li.Wei.2706@Example.COM '), 'li.wei.2706@example.com');
      assert.equal(normaliseKnown('mac', '28-6C-07-C0-35-8F'), MAC);
      assert.equal(normaliseKnown('mac', '286c.07c0.358f'), MAC);
      assert.equal(normaliseKnown('mac', '286C07C0358F'), MAC);
      assert.equal(normaliseKnown('android_id', '22886CB0102E67C1'), '22886cb0102e67c1');
      assert.equal(normaliseKnown('ad_id', '32AF5EAD39864D6F924A4197EC551D76'), device.gaid);
      assert.equal(normaliseKnown('geo', '39.908974, 116.398468'), '39.908974,116.398468');
      assert.equal(normaliseKnown('string', '  Hello World '), 'Hello World');
    });

    it('refuses values that are not that kind, placeholders, and values under 6 characters', () => {
      assert.equal(normaliseKnown('imei', '12345'), '');
      assert.equal(normaliseKnown('mac', '00:00:00:00:00:00'), '');
      assert.equal(normaliseKnown('mac', '02:00:00:00:00:00'), '');
      assert.equal(normaliseKnown('ad_id', '00000000-0000-0000-0000-000000000000'), '');
      assert.equal(normaliseKnown('android_id', 'xyz'), '');
      assert.equal(normaliseKnown('serial', 'AB12'), '');
      assert.equal(normaliseKnown('carrier', 'AT&T'), '');
      assert.match(knownValueProblem('serial', 'AB12') ?? '', /shorter than 6 characters.*string=/);
      assert.match(knownValueProblem('mac', 'zz:zz') ?? '', /not a MAC address/);
      assert.match(knownValueProblem('imei', '') ?? '', /empty/);

      const m = new KnownValueMatcher();
      assert.equal(m.add({ kind: 'serial', value: 'AB12' }), false);
      assert.equal(m.add({ kind: 'imsi', value: '46001' }), false);
      assert.equal(m.add({ kind: 'string', value: 'ab' }), false, 'free strings need at least 3 characters');
      assert.equal(m.size, 0);
    });

    it('refuses a value already present in another spelling', () => {
      const m = new KnownValueMatcher();
      assert.equal(m.add({ kind: 'mac', value: MAC }), true);
      assert.equal(m.add({ kind: 'mac', value: '28-6C-07-C0-35-8F' }), false);
      assert.equal(m.add({ kind: 'imei', value: IMEI, learnedFrom: { exchangeId: 3, kind: 'imei' } }), true);
      assert.equal(m.add({ kind: 'imei', value: '86 871539 275683 3' }), false);
      assert.equal(m.size, 2);
      assert.deepEqual(m.values().map((v) => v.kind), ['mac', 'imei']);
    });
  });

  describe('variants', () => {
    it('MAC: case, separators, Cisco dotted, URL-encoding with %3A and %3a', () => {
      const m = new KnownValueMatcher([{ kind: 'mac', value: MAC }]);
      const bare = MAC.replace(/:/g, '');
      assertFinds(m, MAC, 'as-is');
      assertFinds(m, MAC.toUpperCase(), 'uppercase');
      assertFinds(m, bare, 'no-separators');
      assertFinds(m, bare.toUpperCase(), 'uppercase no-separators');
      assertFinds(m, MAC.replace(/:/g, '-'), 'dashes');
      assertFinds(m, MAC.replace(/:/g, '-').toUpperCase(), 'uppercase dashes');
      assertFinds(m, `${bare.slice(0, 4)}.${bare.slice(4, 8)}.${bare.slice(8)}`, 'cisco-dotted');
      assertFinds(m, encodeURIComponent(MAC), 'url-encoded');
      assertFinds(m, encodeURIComponent(MAC).replace(/%3A/g, '%3a'), 'url-encoded');
      assertFinds(m, encodeURIComponent(MAC.toUpperCase()), 'url-encoded(uppercase)');
      assertFinds(m, '28:6C:07:c0:35:8f', 'mixed-case');
    });

    it('MAC: hex, base64 and digests of each form', () => {
      const m = new KnownValueMatcher([{ kind: 'mac', value: MAC }]);
      const bare = MAC.replace(/:/g, '');
      assertFinds(m, hex(MAC), 'hex');
      assertFinds(m, hex(MAC).toUpperCase(), 'hex-upper');
      assertFinds(m, hex(bare.toUpperCase()), 'hex(uppercase no-separators)');
      assertFinds(m, b64(MAC).replace(/=+$/, ''), 'base64', '"', '"');
      assertFinds(m, b64(bare), 'base64(no-separators)', '"', '"');
      assertFinds(m, hex(digest('md5', MAC)), 'md5');
      assertFinds(m, hex(digest('md5', bare)), 'md5(no-separators)');
      assertFinds(m, hex(digest('sha256', MAC.toUpperCase())), 'sha256(uppercase)');
      assertFinds(m, hex(digest('sha1', bare.toUpperCase())).toUpperCase(), 'sha1(uppercase no-separators) hex-upper');
      assertFinds(m, hex(digest('sha1', Buffer.from(bare, 'hex'))), 'sha1(bytes)');
      assertFinds(m, b64(digest('md5', MAC)), 'md5 base64', '"', '"');
      assertFinds(m, b64(digest('md5', MAC)).replace(/=+$/, ''), 'md5 base64', '"', '"');
    });

    it('IMEI: 15 digits, 14 without the check digit, hex, base64, digests', () => {
      const m = new KnownValueMatcher([{ kind: 'imei', value: IMEI }]);
      assertFinds(m, IMEI, 'as-is');
      assertFinds(m, IMEI.slice(0, 14), 'no-check-digit');
      assertFinds(m, hex(IMEI), 'hex', 'raw=', '0d0a');
      assertFinds(m, b64(IMEI), 'base64', 'id=', '&');
      assertFinds(m, hex(digest('md5', IMEI)), 'md5');
      assertFinds(m, hex(digest('md5', IMEI)).toUpperCase(), 'md5 hex-upper');
      assertFinds(m, hex(digest('sha1', IMEI)), 'sha1');
      assertFinds(m, hex(digest('sha256', IMEI)), 'sha256');
      assertFinds(m, hex(digest('md5', IMEI.slice(0, 14))), 'md5(no-check-digit)');
      assertFinds(m, b64(digest('sha1', IMEI)), 'sha1 base64', '"', '"');
      assertFinds(m, b64(digest('sha256', IMEI)).replace(/=+$/, ''), 'sha256 base64', '"', '"');
    });

    it('IMEI entered without its check digit also matches the 15-digit form', () => {
      const m = new KnownValueMatcher([{ kind: 'imei', value: IMEI.slice(0, 14) }]);
      assertFinds(m, IMEI, 'with-check-digit');
      assertFinds(m, IMEI.slice(0, 14), 'as-is');
    });

    it('base64 and base64url of digests and values with + and / in them, padded or not', () => {
      const value = 'id>>>???~~~';
      assert.match(b64(value), /[+/]/);
      const m = new KnownValueMatcher([{ kind: 'string', value }]);
      assertFinds(m, b64(value), 'base64', '"', '"');
      assertFinds(m, b64(value).replace(/=+$/, ''), 'base64', '"', '"');
      assertFinds(m, b64url(value), 'base64url', '"', '"');
      // A digest whose base64 has + or / (search sha256/sha1/md5 of the value for one).
      const alg = ['md5', 'sha1', 'sha256'].find((a) => /[+/]/.test(b64(digest(a, value)))) ?? 'md5';
      assert.match(b64(digest(alg, value)), /[+/]/);
      assertFinds(m, b64(digest(alg, value)), `${alg} base64`, '"', '"');
      assertFinds(m, b64url(digest(alg, value)), `${alg} base64url`, '"', '"');
    });

    it('phone: E.164, without +, national digits, 00 prefix, trunk 0, URL-encoded, as typed', () => {
      const m = new KnownValueMatcher([{ kind: 'phone', value: device.phone }]);
      assertFinds(m, '+8613873243456', 'as-is');
      assertFinds(m, '8613873243456', 'no-plus');
      assertFinds(m, '13873243456', 'national');
      assertFinds(m, '008613873243456', '00-prefix');
      assertFinds(m, '013873243456', 'national-trunk');
      assertFinds(m, '%2B8613873243456', 'url-encoded');
      assertFinds(m, hex(digest('sha256', '+8613873243456')), 'sha256');
      assertFinds(m, hex(digest('md5', '13873243456')), 'md5(national)');

      const uk = new KnownValueMatcher([{ kind: 'phone', value: '+44 20 7946 0371' }]);
      assertFinds(uk, '+442079460371', 'as-is');
      assertFinds(uk, '02079460371', 'national-trunk');
      assertFinds(uk, '2079460371', 'national');
      assertFinds(uk, '+44 20 7946 0371', 'as-entered');
      assertFinds(uk, '%2B44%2020%207946%200371', 'url-encoded(as-entered)');
      assertFinds(uk, '%2B44+20+7946+0371', 'form-encoded(as-entered)');

      const national = new KnownValueMatcher([{ kind: 'phone', value: '020 7946 0371' }]);
      assertFinds(national, '02079460371', 'as-is');
      assertFinds(national, '2079460371', 'no-trunk');
      assertFinds(national, '020 7946 0371', 'as-entered');

      const us = new KnownValueMatcher([{ kind: 'phone', value: '+1-202-555-0153' }]);
      assertFinds(us, '2025550153', 'national');
      assertFinds(us, '12025550153', 'no-plus');
    });

    it('e-mail: any case, %40, digests of the normalised address', () => {
      const m = new KnownValueMatcher([{ kind: 'email', value: 'Li.Wei.2706@Example.com' }]);
      assertFinds(m, device.email, 'as-is', '"', '"');
      assertFinds(m, device.email.toUpperCase(), 'uppercase', '"', '"');
      assertFinds(m, 'li.wei.2706%40example.com', 'url-encoded');
      assertFinds(m, hex(digest('sha256', device.email)), 'sha256');
      assertFinds(m, hex(digest('md5', 'Li.Wei.2706@Example.com')), 'md5(as-entered)');
      assert.deepEqual(found(m, 'xli.wei.2706@example.com'), []);
      assert.deepEqual(found(m, 'li.wei.2706@example.community'), []);
      assert.deepEqual(found(m, 'mail li.wei.2706@example.com.'), ['as-is=li.wei.2706@example.com']);

      const gmail = new KnownValueMatcher([{ kind: 'email', value: 'Jane.Doe+test@gmail.com' }]);
      assertFinds(gmail, hex(digest('sha256', 'janedoe@gmail.com')), 'sha256(gmail-normalised)');
    });

    it('Android ID, advertising ID (GAID lower case, IDFA upper case, no dashes)', () => {
      const m = new KnownValueMatcher([{ kind: 'android_id', value: device.android_id }, { kind: 'ad_id', value: device.gaid }]);
      assertFinds(m, device.android_id, 'as-is');
      assertFinds(m, device.android_id.toUpperCase(), 'uppercase');
      assertFinds(m, hex(digest('sha256', device.android_id)), 'sha256');
      assertFinds(m, hex(digest('md5', device.android_id.toUpperCase())), 'md5(uppercase)');
      assertFinds(m, device.gaid, 'as-is');
      assertFinds(m, device.gaid.toUpperCase(), 'uppercase');
      assertFinds(m, device.gaid.replace(/-/g, ''), 'no-dashes');
      assertFinds(m, hex(digest('sha256', device.gaid.toUpperCase())), 'sha256(uppercase)');
      const hit = m.match(`aid=${device.android_id}`)[0];
      assert.equal(hit.kind, 'android_id');
      assert.equal(hit.canonical, device.android_id);
    });

    it('free strings and serials: exact, lower and upper case only; URL-encoded with either escape case', () => {
      const m = new KnownValueMatcher([{ kind: 'string', value: 'China Unicom', label: 'carrier' }]);
      assertFinds(m, 'China Unicom', 'as-is');
      assertFinds(m, 'china unicom', 'lowercase');
      assertFinds(m, 'CHINA UNICOM', 'uppercase');
      assertFinds(m, 'China%20Unicom', 'url-encoded');
      assertFinds(m, 'China+Unicom', 'form-encoded');
      assertFinds(m, hex('China Unicom').toUpperCase(), 'hex-upper');
      assert.deepEqual(found(m, 'cHINA uNICOM'), []);
      assert.deepEqual(found(m, 'China%20unicom'), []);
      const hit = m.match('carrier=China Unicom')[0];
      assert.equal(hit.kind, 'known_value');
      assert.deepEqual(knownMatchOf(hit), { label: 'carrier', variant: 'as-is' });

      const serial = new KnownValueMatcher([{ kind: 'serial', value: 'R58M12ABCDE' }]);
      assertFinds(serial, 'R58M12ABCDE', 'as-is');
      assertFinds(serial, 'r58m12abcde', 'lowercase');
      assert.deepEqual(found(serial, 'XR58M12ABCDE'), [], 'a serial stands on token boundaries');

      const cjk = new KnownValueMatcher([{ kind: 'string', value: '中国联通' }]);
      assertFinds(cjk, '中国联通', 'as-is', '运营商', '。');
      assertFinds(cjk, encodeURIComponent('中国联通'), 'url-encoded');
      assertFinds(cjk, encodeURIComponent('中国联通').toLowerCase(), 'url-encoded');
      assertFinds(cjk, b64('中国联通'), 'base64', '"', '"');
    });

    it('a short free string matches as-is only, as a whole token', () => {
      const m = new KnownValueMatcher();
      assert.equal(m.add({ kind: 'string', value: 'Bob' }), true);
      assert.deepEqual(found(m, 'name=Bob&x'), ['as-is=Bob']);
      assert.deepEqual(found(m, 'Bobby'), []);
      assert.deepEqual(found(m, 'bob BOB'), []);
      assert.deepEqual(found(m, b64('Bob')), []);
      assert.equal(m.needleCount, 1);
    });

    it('location: "lat,lon", "lat, lon", "lon,lat" and each coordinate', () => {
      const m = new KnownValueMatcher([{ kind: 'geo', value: `${device.lat},${device.lon}` }]);
      assertFinds(m, `${device.lat},${device.lon}`, 'as-is');
      assertFinds(m, `${device.lat}%2C${device.lon}`, 'url-encoded');
      assertFinds(m, `${device.lon},${device.lat}`, 'lon,lat', '[', ']');
      assert.deepEqual(found(m, `{"lat":${device.lat},"lng":${device.lon}}`), [`latitude=${device.lat}`, `longitude=${device.lon}`]);
      assert.deepEqual(found(m, `{"lat":${device.lat}1}`), []);
      assert.deepEqual(found(m, `{"lat":-${device.lat}}`), []);
    });

    it('reports a value once per place: the longest, most specific form wins', () => {
      const m = new KnownValueMatcher([{ kind: 'phone', value: device.phone }, { kind: 'imei', value: IMEI }]);
      assert.deepEqual(found(m, 'phone=%2B8613873243456&imei=868715392756833&again=868715392756833'), [
        'url-encoded=%2B8613873243456', 'as-is=868715392756833', 'as-is=868715392756833',
      ]);
      assert.deepEqual(found(m, '{"owner":"13873243456","phone":"+8613873243456"}'), ['national=13873243456', 'as-is=+8613873243456']);
    });

    it('gives UTF-16 offsets after non-ASCII text and surrogate pairs', () => {
      const m = new KnownValueMatcher([{ kind: 'imei', value: IMEI }]);
      const text = `设备😀 ${IMEI} ok`;
      const [hit] = m.match(text);
      assert.equal(hit.start, text.indexOf(IMEI));
      assert.equal(text.slice(hit.start, hit.end), IMEI);
    });
  });

  describe('ground truth', () => {
    it('attributes the corpus hashes to the plain device values, with the right variant', () => {
      const m = new KnownValueMatcher(deviceValues());
      const h = device.hashes;
      const url = `/api/v3/ad?imei_md5=${h.imei_md5}&imei_sha1=${h.imei_sha1}&aid_sha256=${h.android_id_sha256}&mac_md5=${h.mac_md5}`;
      const hits = m.match(url).map((x) => [x.canonical, x.variant, x.matchedText]);
      assert.deepEqual(hits, [
        [IMEI, 'md5', h.imei_md5],
        [IMEI, 'sha1', h.imei_sha1],
        [device.android_id, 'sha256', h.android_id_sha256],
        [MAC, 'md5(uppercase no-separators)', h.mac_md5],
      ]);
      // The corpus' own description of the MAC hash, checked independently.
      assert.equal(hex(digest('md5', MAC.replace(/:/g, '').toUpperCase())), h.mac_md5);
    });

    it('finds the IMEI inside base64 of a JSON object at every byte alignment', () => {
      const m = new KnownValueMatcher(deviceValues());
      const seenAlignments = new Set<number>();
      for (let pad = 0; pad < 6; pad++) {
        const json = JSON.stringify({ [`k${'x'.repeat(pad)}`]: 1, imei: IMEI, gaid: device.gaid, ts: 1407024000000 });
        const offset = Buffer.byteLength(json.slice(0, json.indexOf(IMEI)));
        seenAlignments.add(offset % 3);
        for (const [encoded, variant] of [[b64(json), 'base64'], [b64url(json), 'base64url']] as const) {
          const imeiHits = m.match(`payload=${encoded}`).filter((x) => x.canonical === IMEI);
          assert.equal(imeiHits.length, 1, `pad ${pad} (${variant}): ${JSON.stringify(imeiHits)}`);
          assert.ok(imeiHits[0].variant === 'base64' || imeiHits[0].variant === variant, imeiHits[0].variant);
          // The matched characters decode (with their neighbours) to bytes containing the IMEI.
          const at = imeiHits[0].start - 'payload='.length;
          const from = Math.floor(at / 4) * 4;
          const window = Buffer.from(encoded.slice(from, Math.ceil((at + imeiHits[0].matchedText.length) / 4) * 4 + 4), 'base64url').toString('latin1');
          assert.ok(window.includes(IMEI.slice(2, -2)), window);
        }
      }
      assert.deepEqual([...seenAlignments].sort(), [0, 1, 2]);
    });
  });

  describe('negatives', () => {
    it('an IMEI inside a longer digit run is not a match', () => {
      const m = new KnownValueMatcher([{ kind: 'imei', value: IMEI }]);
      assert.deepEqual(found(m, `order=9${IMEI}`), []);
      assert.deepEqual(found(m, `order=${IMEI}7`), []);
      assert.deepEqual(found(m, `ts=1${IMEI}00`), []);
      assert.deepEqual(found(m, `a${IMEI}b`), ['as-is=868715392756833']);
    });

    it('an MD5 inside a longer hex run (a 64-hex string) is not a match', () => {
      const m = new KnownValueMatcher([{ kind: 'imei', value: IMEI }]);
      const md5 = hex(digest('md5', IMEI));
      const sha = hex(digest('sha256', 'something else'));
      assert.deepEqual(found(m, `h=${sha.slice(0, 16)}${md5}${sha.slice(0, 16)}`), []);
      assert.deepEqual(found(m, `h=${md5}${md5}`), []);
      assert.deepEqual(found(m, `h=${md5}a`), []);
      assert.deepEqual(found(m, `h=${md5}`), ['md5=' + md5]);
      // base64 of a digest inside a longer base64 run is not a match either.
      const b = b64(digest('sha1', IMEI)).replace(/=+$/, '');
      assert.deepEqual(found(m, `t=AAAA${b}`), []);
    });

    it('hex of the value matches only on a byte boundary of its hex run', () => {
      const m = new KnownValueMatcher([{ kind: 'imei', value: IMEI }]);
      assert.deepEqual(found(m, `raw=00${hex(IMEI)}0d0a`), [`hex=${hex(IMEI)}`]);
      assert.deepEqual(found(m, `raw=0${hex(IMEI)}0d0a`), []);
    });

    it('other identifiers in the corpus decoys are not device values', () => {
      const m = new KnownValueMatcher(deviceValues());
      assert.deepEqual(found(m, '{"order_id":"868624693817602","ts":1407024000000,"build":"deadbeefcafebabe","mac":"00:00:00:00:00:00"}'), []);
    });
  });

  describe('parsing --known and known-values files', () => {
    it('parses KIND=VALUE and KIND:LABEL=VALUE, with aliases', () => {
      assert.deepEqual(parseKnownSpec('imei=868715392756833'), { kind: 'imei', value: IMEI });
      assert.deepEqual(parseKnownSpec('mac=28:6c:07:c0:35:8f'), { kind: 'mac', value: MAC });
      assert.deepEqual(parseKnownSpec('phone:test SIM=+86 138 7324 3456'), { kind: 'phone', value: '+86 138 7324 3456', label: 'test SIM' });
      assert.deepEqual(parseKnownSpec('GAID=32af5ead-3986-4d6f-924a-4197ec551d76'), { kind: 'ad_id', value: device.gaid });
      assert.deepEqual(parseKnownSpec('android-id=22886cb0102e67c1'), { kind: 'android_id', value: device.android_id });
      assert.deepEqual(parseKnownSpec('string=a=b=c'), { kind: 'string', value: 'a=b=c' });
    });

    it('says what is wrong with a bad --known', () => {
      assert.throws(() => parseKnownSpec('foo=bar123'), (e: unknown) => e instanceof KnownValueError && /unknown kind "foo".*imei, imsi/.test(e.message));
      assert.throws(() => parseKnownSpec('868715392756833'), /expected KIND=VALUE/);
      assert.throws(() => parseKnownSpec('=868715392756833'), /kind before "=" is missing/);
      assert.throws(() => parseKnownSpec('imei='), /^KnownValueError: imei: the value is empty$/);
      assert.throws(() => parseKnownSpec('imei=12345'), /not an IMEI/);
      assert.throws(() => parseKnownSpec('serial=AB12'), /shorter than 6 characters/);
      assert.throws(() => parseKnownSpec('mac=00:00:00:00:00:00'), /placeholder/);
    });

    it('reads a known-values file: value or list per kind, numbers, labelled objects', () => {
      const values = parseKnownFile({
        imei: ['868715392756833', 868715396536777],
        mac: '28:6c:07:c0:35:8f',
        phone: { value: '+8613873243456', label: 'SIM 1' },
      }, 'device.json');
      assert.deepEqual(values, [
        { kind: 'imei', value: IMEI }, { kind: 'imei', value: device.imei2 }, { kind: 'mac', value: MAC },
        { kind: 'phone', value: device.phone, label: 'SIM 1' },
      ]);
      assert.equal(new KnownValueMatcher(values).size, 4);
    });

    it('names the file, the key and the problem in file errors', () => {
      const bad = (json: unknown): string => {
        try {
          parseKnownFile(json, 'device.json');
        } catch (e) {
          assert.ok(e instanceof KnownValueError);
          return e.message;
        }
        return assert.fail(`no error for ${JSON.stringify(json)}`);
      };
      assert.match(bad(['imei']), /^device\.json: expected a JSON object.*found a list/);
      assert.match(bad('imei=1'), /^device\.json: expected a JSON object.*found a string/);
      assert.match(bad({ foo: 'x' }), /^device\.json: unknown kind "foo"; expected one of imei/);
      assert.match(bad({ imei: [IMEI, ''] }), /^device\.json: "imei"\[1\]: the value is empty/);
      assert.match(bad({ imei: true }), /^device\.json: "imei": expected a string.*found a boolean/);
      assert.match(bad({ imei: [] }), /^device\.json: "imei" is an empty list/);
      // eslint-disable-next-line no-loss-of-precision
      assert.match(bad({ iccid: 8986011240739072446 }), /^device\.json: "iccid": the number .* write it as a string/);
      assert.match(bad({ mac: { value: 5 } }), /^device\.json: "mac": expected "value" to be a string, found a number/);
      assert.match(bad({ mac: 'nope' }), /^device\.json: "mac": "nope" is not a MAC address/);
      assert.match(bad({ imei: null }), /^device\.json: "imei": expected a string.*found null/);
    });
  });

  describe('learned values', () => {
    it('carries learnedFrom into the finding and rebuilds after add', () => {
      const m = new KnownValueMatcher([{ kind: 'imei', value: IMEI }]);
      assert.deepEqual(found(m, `aid=${hex(digest('sha256', device.android_id))}`), []);
      assert.equal(m.add({ kind: 'android_id', value: device.android_id, learnedFrom: { exchangeId: 7, kind: 'android_id' } }), true);
      const [hit] = m.match(`aid=${hex(digest('sha256', device.android_id))}`);
      assert.deepEqual(knownMatchOf(hit), { label: 'android_id', variant: 'sha256', learnedFrom: { exchangeId: 7, kind: 'android_id' } });
    });
  });

  describe('automaton', () => {
    it('finds the same occurrences as a naive search, ASCII case-insensitively', () => {
      let seed = 42;
      const rand = (n: number): number => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed % n;
      };
      const alphabet = 'abAB01-é';
      const word = (len: number): string => Array.from({ length: len }, () => alphabet[rand(alphabet.length)]).join('');
      for (let round = 0; round < 200; round++) {
        const patterns = [...new Set(Array.from({ length: 1 + rand(12) }, () => word(1 + rand(5)).toLowerCase()))];
        const text = word(200);
        const want = new Set<string>();
        const lower = text.replace(/[A-Z]/g, (c) => c.toLowerCase());
        patterns.forEach((p, pi) => {
          for (let at = lower.indexOf(p); at >= 0; at = lower.indexOf(p, at + 1)) want.add(`${pi}@${at + p.length}`);
        });
        for (const denseBudget of [undefined, 0]) {
          const ac = new CaseFoldedAutomaton(patterns, { denseBudget });
          assert.equal(ac.dense, denseBudget === undefined);
          const got: number[] = [];
          ac.scan(text, got);
          const pairs = new Set<string>();
          for (let i = 0; i < got.length; i += 2) pairs.add(`${got[i]}@${got[i + 1]}`);
          assert.deepEqual([...pairs].sort(), [...want].sort(), `patterns ${JSON.stringify(patterns)}, dense budget ${denseBudget}`);
          assert.equal(got.length / 2, pairs.size, 'no duplicate reports');
        }
      }
    });
  });

  describe('throughput', () => {
    it('matches the telemetry tshark JSON with the device values loaded (prints its throughput)', function () {
      this.timeout(60_000);
      const text = readFileSync(corpusPath('generated/pcap/telemetry.tshark.json'), 'utf8');
      const started = Date.now();
      const m = new KnownValueMatcher(deviceValues());
      const t0 = performance.now();
      const needles = m.needleCount;
      const compileMs = performance.now() - t0;

      // First call (cold JIT) and the best of three more.
      let t1 = performance.now();
      const hits = m.match(text);
      const coldMs = performance.now() - t1;
      let wholeMs = Infinity;
      for (let run = 0; run < 3; run++) {
        t1 = performance.now();
        assert.equal(m.match(text).length, hits.length);
        wholeMs = Math.min(wholeMs, performance.now() - t1);
      }

      // As the scanner calls it: once per string leaf.
      const leaves: string[] = [];
      const walk = (v: unknown): void => {
        if (typeof v === 'string') leaves.push(v);
        else if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === 'object') Object.values(v).forEach(walk);
      };
      walk(JSON.parse(text));
      const leafChars = leaves.reduce((n, l) => n + l.length, 0);
      let leafHits = 0;
      let leavesMs = Infinity;
      for (let run = 0; run < 3; run++) {
        const t2 = performance.now();
        leafHits = 0;
        for (const leaf of leaves) leafHits += m.match(leaf).length;
        leavesMs = Math.min(leavesMs, performance.now() - t2);
      }

      const mb = (chars: number, ms: number): string => (chars / 1e6 / (ms / 1000)).toFixed(0);
      console.log(`      ${needles} needles for ${m.size} values, compiled in ${compileMs.toFixed(1)} ms`);
      console.log(`      whole file: ${(text.length / 1e6).toFixed(1)} M chars in ${wholeMs.toFixed(1)} ms = ${mb(text.length, wholeMs)} M chars/s (first call ${mb(text.length, coldMs)}), ${hits.length} hits`);
      console.log(`      ${leaves.length} leaves: ${(leafChars / 1e6).toFixed(1)} M chars in ${leavesMs.toFixed(1)} ms = ${mb(leafChars, leavesMs)} M chars/s, ${((leavesMs * 1000) / leaves.length).toFixed(2)} µs a leaf, ${leafHits} hits`);
      assert.ok(hits.length > 0);
      assert.ok(Date.now() - started < 30_000, 'hang guard');
    });
  });
});

describe('known kinds: prototype names', () => {
  it('__proto__, constructor and toString are unknown kinds, with their own name in the message', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      assert.equal(knownKindOf(name), undefined, name);
      assert.throws(() => parseKnownSpec(`${name}=868715392756833`), (err: Error) => err.message.includes(name) && !err.message.includes('[object'));
    }
  });
});
