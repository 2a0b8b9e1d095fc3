import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { keyHints } from '../../extension/core/detect/context';
import { detectIdentifiers } from '../../extension/core/detect/index';
import { readsByRegion } from '../../extension/core/detect/phone';
import { meidCheckDigit, luhnValid } from '../../extension/core/detect/validators';
import { operatorOf, regionOfMcc } from '../../extension/core/detect/mccmnc';
import { corpusPath } from './corpus';

const kinds = (text: string, key?: string, region = 'CN'): string[] => detectIdentifiers(text, key, region).map((d) => `${d.kind}:${d.value}:${d.confidence}`);

describe('validators', () => {
  it('Luhn', () => {
    assert.equal(luhnValid('868715392756833'), true);
    assert.equal(luhnValid('868624693817602'), false);
    assert.equal(luhnValid('8986011240739072446'), true);
  });
  it('MEID check digit: python-stdnum\'s documented example AF0123450ABCDE → C', () => {
    assert.equal(meidCheckDigit('AF0123450ABCDE'), 'C');
  });
  it('E.212: 460-01 is China Unicom in CN; 310-150 is AT&T; 999 is private use; an unknown MCC is nothing', () => {
    assert.equal(operatorOf('460010886207782')?.name, 'China Unicom');
    assert.equal(regionOfMcc('460'), 'CN');
    assert.equal(operatorOf('310150123456789')?.mnc, '150');
    assert.equal(operatorOf('999990000000000')?.mcc, '999', 'MCC 999 is in the table (private networks)');
    assert.equal(operatorOf('123450000000000'), undefined);
  });
});

describe('detectors', () => {
  it('IMEI: Luhn + TAC, high under an IMEI key, medium bare, never Luhn-invalid', () => {
    assert.deepEqual(kinds('868715392756833', 'imei'), ['imei:868715392756833:high']);
    assert.deepEqual(kinds('868715392756833', 'X-Device-Id'), ['imei:868715392756833:high']);
    assert.deepEqual(kinds('id 868715392756833 end'), ['imei:868715392756833:medium']);
    assert.deepEqual(kinds('imei=868715392756833&x=1'), ['imei:868715392756833:high']);
    assert.deepEqual(kinds('868624693817602', 'order_id'), [], 'decoy: Luhn-invalid order id');
    assert.deepEqual(kinds('8687153927568331'), [], 'part of a longer digit run');
    assert.deepEqual(kinds('371449635398431'), [], 'AMEX test number: Luhn-valid but no reporting body');
  });

  it('IMSI: MCC/MNC from the E.212 table; high under its key', () => {
    assert.deepEqual(kinds('460010886207782', 'imsi'), ['imsi:460010886207782:high']);
    assert.deepEqual(kinds('"imsi":"460010886207782"'), ['imsi:460010886207782:high']);
    assert.deepEqual(kinds('123450886207782', 'imsi'), [], 'no such MCC');
  });

  it('ICCID: 89 + Luhn, high on its own', () => {
    assert.deepEqual(kinds('8986011240739072446'), ['iccid:8986011240739072446:high']);
    assert.deepEqual(kinds('8986011240739072447'), []);
  });

  it('phone: E.164 medium bare, high keyed; national numbers under a phone key with the region', () => {
    assert.deepEqual(kinds('+8613873243456'), ['phone:+8613873243456:medium']);
    assert.deepEqual(kinds('13873243456', 'owner'), ['phone:+8613873243456:high']);
    assert.deepEqual(kinds('+86 139 2344 9289', 'phone'), ['phone:+8613923449289:high']);
    assert.deepEqual(kinds('+44 20 7946 0371', 'phone'), ['phone:+442079460371:high']);
    assert.deepEqual(kinds('1407024000000', 'ts'), [], 'decoy: millisecond timestamp');
    assert.deepEqual(kinds('1408020', 'version_code'), [], 'decoy: version code');
    assert.deepEqual(kinds('7.4.18', 'v'), [], 'decoy: version string');
    assert.deepEqual(kinds('price 1299.00 CNY'), [], 'decoy: price');
    assert.deepEqual(kinds('192.168.100.200'), [], 'decoy: IP address');
  });

  it('email: lower-cased; role mailboxes low', () => {
    assert.deepEqual(kinds('Li.Wei.2706@Example.com'), ['email:li.wei.2706@example.com:medium']);
    assert.deepEqual(kinds('li.wei.2706@example.com', 'email'), ['email:li.wei.2706@example.com:high']);
    assert.deepEqual(kinds('git@github.com'), ['email:git@github.com:low']);
    assert.deepEqual(kinds('logo@2x.png'), []);
  });

  it('MAC: canonical lower-case colons; not zero, broadcast, multicast or Android\'s constant', () => {
    assert.deepEqual(kinds('28:6c:07:c0:35:8f', 'mac'), ['mac:28:6c:07:c0:35:8f:high']);
    assert.deepEqual(kinds('bssid=C8-3A-35-72-A2-52'), ['mac:c8:3a:35:72:a2:52:high']);
    assert.deepEqual(kinds('64:09:80:C4:F9:0D'), ['mac:64:09:80:c4:f9:0d:medium']);
    assert.deepEqual(kinds('286c07c0358f', 'wifi_mac'), ['mac:28:6c:07:c0:35:8f:high']);
    assert.deepEqual(kinds('286c07c0358f'), [], 'bare hex without a key');
    for (const decoy of ['00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff', '02:00:00:00:00:00', '01:00:5e:00:00:fb']) {
      assert.deepEqual(kinds(decoy, 'mac'), [], decoy);
    }
    const local = detectIdentifiers('da:a1:19:00:00:01', 'mac', 'CN')[0];
    assert.ok(local.reasons.some((r) => /locally administered/.test(r)));
  });

  it('Android ID only under its key; the 16-hex build id decoy stays quiet', () => {
    assert.deepEqual(kinds('22886cb0102e67c1', 'android_id'), ['android_id:22886cb0102e67c1:high']);
    assert.deepEqual(kinds('deadbeefcafebabe', 'build_id'), []);
    assert.deepEqual(kinds('deadbeefcafebabe'), []);
  });

  it('advertising ID: UUID v4 under an ad key; zero and v1 UUIDs are not', () => {
    assert.deepEqual(kinds('32af5ead-3986-4d6f-924a-4197ec551d76', 'gaid'), ['ad_id:32af5ead-3986-4d6f-924a-4197ec551d76:high']);
    assert.deepEqual(kinds('00000000-0000-0000-0000-000000000000', 'idfa'), []);
    assert.deepEqual(kinds('a8098c1a-f86e-11da-bd1a-00112444be1e', 'adid'), [], 'decoy: UUID v1 session id');
    assert.deepEqual(kinds('32af5ead-3986-4d6f-924a-4197ec551d76', 'request_id'), [], 'random v4 under another key');
  });

  it('geo: "lat,lon" pairs in range with enough decimals; versions are not', () => {
    assert.deepEqual(kinds('39.908974,116.398468'), ['geo:39.908974,116.398468:medium']);
    assert.deepEqual(kinds('39.908974,116.398468', 'location'), ['geo:39.908974,116.398468:high']);
    assert.deepEqual(kinds('7.4.18'), []);
    assert.deepEqual(kinds('1.5,2.25'), []);
  });

  it('carrier: operator names and MCC-MNC codes under their keys', () => {
    assert.deepEqual(kinds('China Unicom', 'carrier'), ['carrier:China Unicom:high']);
    assert.deepEqual(kinds('中国联通', 'operator'), ['carrier:中国联通:high']);
    assert.deepEqual(kinds('46001', 'mccmnc'), ['carrier:China Unicom (460-01):high']);
    assert.deepEqual(kinds('China Unicom', 'model'), []);
  });

  it('MEID and serial only under their keys', () => {
    assert.deepEqual(kinds('A0000000002329', 'meid'), ['meid:A0000000002329:high']);
    assert.deepEqual(kinds('R58M123ABC', 'serial'), ['serial:R58M123ABC:medium']);
    assert.deepEqual(kinds('unknown', 'serial'), []);
  });

  it('no ground-truth decoy is reported under its own key', () => {
    const gt = JSON.parse(readFileSync(corpusPath('generated/ground_truth.json'), 'utf8')) as { decoys: Record<string, string> };
    for (const [key, value] of Object.entries(gt.decoys)) {
      assert.deepEqual(kinds(value, key), [], `${key}=${value}`);
      assert.deepEqual(kinds(`${key}=${value}`), [], `inline ${key}=${value}`);
    }
  });
});

describe('phone numbers and the capture\'s region', () => {
  it('only national-format candidates of 7 to 15 digits are read by region', () => {
    assert.equal(readsByRegion('call 0138 7324 3456 now'), true);
    assert.equal(readsByRegion('(555) 123-4567'), true);
    assert.equal(readsByRegion('+86 138 7324 3456'), false, 'international');
    assert.equal(readsByRegion('0086 138 7324 3456'), false, 'international with 00');
    assert.equal(readsByRegion('GA1.2.1234567890.1407000000'), false, 'glued to dots: a cookie, not a number');
    assert.equal(readsByRegion('123456'), false, 'too short');
    assert.equal(readsByRegion('12345678901234567890'), false, 'too long');
  });

  it('texts with no such candidate read the same under every region (the scanner relies on it)', () => {
    const texts = [
      '+8613873243456', 'tel=+1 415 555 0100', 'GA1.2.1234567890.1407000000', 'id=a1407000000000',
      'li.wei.2706@example.com', '28:6c:07:c0:35:8f', 'lat=39.9089', 'v=1.2.3', 'price 1,299.00',
    ];
    for (const text of texts) {
      assert.equal(readsByRegion(text), false, text);
      for (const key of [undefined, 'phone', 'imei']) {
        assert.deepEqual(detectIdentifiers(text, key, 'CN'), detectIdentifiers(text, key, 'US'), `${text} under ${key}`);
      }
    }
  });
});

describe('key names: a hint needs a word of the key, not any substring', () => {
  it('ordinary keys that merely contain an identifier\'s letters give no hint', () => {
    for (const [key, wrong] of [
      ['time_id', 'imei'], ['timeid', 'meid'], ['timeInterval', 'imei'], ['thread_id', 'ad_id'], ['upload_id', 'ad_id'],
      ['claims_id', 'imsi'], ['hmac', 'mac'], ['salon', 'geo-lon'],
    ] as const) {
      assert.equal(keyHints(key).has(wrong), false, `${key} is not ${wrong}`);
    }
    assert.deepEqual(detectIdentifiers('3f2b9c1e-8d4a-4b6f-9a1c-2e5d7f8a9b0c', 'thread_id'), []);
    assert.deepEqual(detectIdentifiers('0123456789abcd', 'time_id'), []);
  });

  it('identifier words still hint, in any case or style', () => {
    for (const [key, hint] of [
      ['imei', 'imei'], ['IMEI', 'imei'], ['deviceImei', 'imei'], ['imei_md5', 'imei'], ['X-Device-Id', 'device_id'], ['XDeviceId', 'device_id'],
      ['wifiMac', 'mac'], ['bt_mac', 'mac'], ['android_id', 'android_id'], ['gpsLat', 'geo-lat'], ['lng', 'geo-lon'], ['simSerialNumber', 'iccid'],
      ['msisdn', 'phone'], ['phoneNumber', 'phone'], ['GAID', 'ad_id'], ['idfa', 'ad_id'],
    ] as const) {
      assert.equal(keyHints(key).has(hint), true, `${key} hints ${hint}`);
    }
  });
});
