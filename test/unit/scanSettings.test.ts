// The settings that shape a scan: known values and the phone region, read from raw setting values.
import assert from 'node:assert/strict';
import { DEFAULT_DECODE_LIMITS } from '../../extension/core/decode/types';
import { decodeLimitsFrom, knownEntriesFrom, knownSettingFrom, scanSettingsFrom } from '../../extension/editor/scanSettings';
import { parseWebviewMessage } from '../../extension/protocol';

describe('scan settings', () => {
  it('no settings: no known values, region from the capture, no problems', () => {
    for (const [known, region] of [[undefined, undefined], [{}, ''], [null, null], [{}, '   ']] as const) {
      const s = scanSettingsFrom(known, region);
      assert.deepEqual([s.known, s.region, s.problems], [[], undefined, []]);
    }
  });

  it('reads known values: a string or a list per kind, aliases too', () => {
    const s = scanSettingsFrom({ imei: ['868715392756833', '868715396536777'], mac: '28:6c:07:c0:35:8f', gaid: '32af5ead-3986-4d6f-924a-4197ec551d76' }, '');
    assert.deepEqual(s.problems, []);
    assert.deepEqual(s.known.map((k) => [k.kind, k.value]), [
      ['imei', '868715392756833'], ['imei', '868715396536777'], ['mac', '28:6c:07:c0:35:8f'], ['ad_id', '32af5ead-3986-4d6f-924a-4197ec551d76'],
    ]);
  });

  it('an invalid known-values setting is reported and left out; the region still applies', () => {
    for (const bad of [{ imie: '868715392756833' }, { imei: '12' }, { imei: [] }, ['868715392756833'], 'imei=868715392756833', { mac: { nested: true } }]) {
      const s = scanSettingsFrom(bad, 'cn');
      assert.deepEqual(s.known, [], JSON.stringify(bad));
      assert.equal(s.region, 'CN');
      assert.equal(s.problems.length, 1, JSON.stringify(bad));
      assert.match(s.problems[0], /^The leaklens\.knownValues setting/);
      assert.match(s.problems[0], /scans without known values/);
    }
  });

  it('the message names the key and the kinds it expects', () => {
    const [problem] = scanSettingsFrom({ imie: '868715392756833' }, '').problems;
    assert.match(problem, /unknown kind "imie"/);
    assert.match(problem, /imei/);
  });

  it('a __proto__ key does not pollute objects', () => {
    const s = scanSettingsFrom(JSON.parse('{"__proto__": {"polluted": "868715392756833"}}'), '');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepEqual(s.known, []);
  });

  it('reads the region as an upper-case two-letter code', () => {
    assert.equal(scanSettingsFrom({}, 'de').region, 'DE');
    assert.equal(scanSettingsFrom({}, ' CN ').region, 'CN');
  });

  it('a region that is not a known two-letter code is reported and left out', () => {
    for (const bad of ['China', 'ZZ', 'C', 'C1', 42, '<img src=x>']) {
      const s = scanSettingsFrom({}, bad);
      assert.equal(s.region, undefined, String(bad));
      assert.equal(s.problems.length, 1);
      assert.match(s.problems[0], /^The leaklens\.phoneRegion setting/);
    }
  });

  it('the key changes exactly when the scan would', () => {
    const a = scanSettingsFrom({ imei: '868715392756833' }, 'cn');
    assert.equal(scanSettingsFrom({ imei: ['868715392756833'] }, 'CN').key, a.key);
    assert.notEqual(scanSettingsFrom({ imei: '868715392756833' }, 'US').key, a.key);
    assert.notEqual(scanSettingsFrom({}, 'CN').key, a.key);
    // An invalid setting scans like no setting.
    assert.equal(scanSettingsFrom({ imei: '1' }, '').key, scanSettingsFrom({}, '').key);
  });
});

describe('known values between the setting and the panel', () => {
  it('lists every value under its kind\'s own name, whatever name the setting uses', () => {
    const raw = { IMEI: ['868715392756833', { value: '868715396536777', label: 'SIM 2' }], gaid: '38400000-8cf0-11bd-b23e-10b96e40000d', imsi: 460010886207782 };
    assert.deepEqual(knownEntriesFrom(raw), [
      { kind: 'imei', value: '868715392756833' },
      { kind: 'imei', value: '868715396536777' },
      { kind: 'ad_id', value: '38400000-8cf0-11bd-b23e-10b96e40000d' },
      { kind: 'imsi', value: '460010886207782' },
    ]);
    // What the panel lists, it can send back: every entry passes the contract.
    const message = parseWebviewMessage({ type: 'setKnownValues', requestId: 1, target: 'settings', entries: knownEntriesFrom(raw) });
    assert.equal(message?.type, 'setKnownValues');
  });

  it('saves the panel\'s entries grouped by kind, keeping the labels the setting had, and refuses invalid values by name', () => {
    const current = { IMEI: [{ value: '868715396536777', label: 'SIM 2' }] };
    const saved = knownSettingFrom(
      [{ kind: 'imei', value: ' 868715392756833 ' }, { kind: 'imei', value: '868715396536777' }, { kind: 'mac', value: '28:6c:07:c0:35:8f' }, { kind: 'imei', value: '868715392756833' }, { kind: 'string', value: '' }],
      current,
    );
    assert.deepEqual(saved, { value: { imei: ['868715392756833', { value: '868715396536777', label: 'SIM 2' }], mac: '28:6c:07:c0:35:8f' } });
    const bad = knownSettingFrom([{ kind: 'imei', value: '12345' }]);
    assert.ok('problem' in bad && /"imei"/.test(bad.problem), JSON.stringify(bad));
    assert.deepEqual(knownSettingFrom([]), { value: {} });
  });

  it('keeps the values the panel could not list (too long for the contract) when it saves', () => {
    const token = 't'.repeat(600);
    const current = { string: [token, 'alice'], imei: '868715392756833' };
    const listed = knownEntriesFrom(current);
    assert.deepEqual(listed.map((e) => e.value), ['alice', '868715392756833'], 'the long token is not listed');
    // The researcher removes "alice" and saves: the token they never saw stays.
    const saved = knownSettingFrom(listed.filter((e) => e.value !== 'alice'), current);
    assert.deepEqual(saved, { value: { imei: '868715392756833', string: token } });
  });

  it('maxDecodedMB: a positive number of MB sets the decoding step cap; anything else keeps the default', () => {
    assert.equal(decodeLimitsFrom(4).maxOutputBytes, 4 * 2 ** 20);
    assert.equal(decodeLimitsFrom(0.5).maxOutputBytes, 2 ** 19);
    for (const bad of [undefined, 0, -3, Number.NaN, Infinity, '8', null]) assert.deepEqual(decodeLimitsFrom(bad), DEFAULT_DECODE_LIMITS, String(bad));
  });
});
