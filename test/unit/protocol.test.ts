import assert from 'node:assert/strict';
import { CONFIDENCES, FINDING_KINDS, MAX_PAGE_SIZE, MAX_ROW_OFFSET, parseWebviewMessage, type ToWebview } from '../../extension/protocol';

describe('parseWebviewMessage', () => {
  describe('accepts the contract', () => {
    it('ready', () => {
      assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
    });

    it('getRows', () => {
      assert.deepEqual(parseWebviewMessage({ type: 'getRows', requestId: 7, offset: 400, limit: 200 }), {
        type: 'getRows',
        requestId: 7,
        offset: 400,
        limit: 200,
      });
    });

    it('getRows at the bounds', () => {
      assert.ok(parseWebviewMessage({ type: 'getRows', requestId: 0, offset: 0, limit: 1 }));
      assert.ok(parseWebviewMessage({ type: 'getRows', requestId: Number.MAX_SAFE_INTEGER, offset: MAX_ROW_OFFSET, limit: MAX_PAGE_SIZE }));
    });

    it('a message that went through JSON (as postMessage delivers it)', () => {
      assert.ok(parseWebviewMessage(JSON.parse('{"type":"getRows","requestId":1,"offset":0,"limit":200}')));
    });

    it('objects without a prototype', () => {
      const raw = Object.assign(Object.create(null) as object, { type: 'ready' });
      assert.deepEqual(parseWebviewMessage(raw), { type: 'ready' });
    });

    it('returns a fresh object, not the input', () => {
      const raw = { type: 'getRows', requestId: 1, offset: 0, limit: 10 };
      const parsed = parseWebviewMessage(raw);
      assert.notEqual(parsed, raw);
      assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
    });
  });

  describe('rejects forged messages', () => {
    const rejected: [string, unknown][] = [
      ['undefined', undefined],
      ['null', null],
      ['a string', 'ready'],
      ['a number', 42],
      ['an array', [{ type: 'ready' }]],
      ['no type', { requestId: 1 }],
      ['an unknown type', { type: 'deleteFile' }],
      ['executeCommand', { type: 'executeCommand', command: 'workbench.action.terminal.sendSequence', args: { text: 'rm -rf ~\n' } }],
      ['a command URI', { type: 'openLink', href: 'command:workbench.action.reloadWindow' }],
      ['type of the wrong case', { type: 'Ready' }],
      ['type not a string', { type: ['ready'] }],
      ['type as a String object', { type: new String('ready') }],
      ['a class instance', new (class { type = 'ready'; })()],
      ['a Date', Object.assign(new Date(), { type: 'ready' })],
      ['ready with an extra key', { type: 'ready', command: 'x' }],
      ['getRows without limit', { type: 'getRows', requestId: 1, offset: 0 }],
      ['getRows without requestId', { type: 'getRows', offset: 0, limit: 10 }],
      ['getRows with an extra key', { type: 'getRows', requestId: 1, offset: 0, limit: 10, path: '/etc/passwd' }],
      ['limit as a string', { type: 'getRows', requestId: 1, offset: 0, limit: '200' }],
      ['offset as a string', { type: 'getRows', requestId: 1, offset: '0', limit: 200 }],
      ['requestId as a string', { type: 'getRows', requestId: '1', offset: 0, limit: 200 }],
      ['requestId as a bigint', { type: 'getRows', requestId: 1n, offset: 0, limit: 200 }],
      ['negative limit', { type: 'getRows', requestId: 1, offset: 0, limit: -1 }],
      ['zero limit', { type: 'getRows', requestId: 1, offset: 0, limit: 0 }],
      ['huge limit', { type: 'getRows', requestId: 1, offset: 0, limit: MAX_PAGE_SIZE + 1 }],
      ['infinite limit', { type: 'getRows', requestId: 1, offset: 0, limit: Infinity }],
      ['NaN limit', { type: 'getRows', requestId: 1, offset: 0, limit: NaN }],
      ['fractional limit', { type: 'getRows', requestId: 1, offset: 0, limit: 2.5 }],
      ['negative offset', { type: 'getRows', requestId: 1, offset: -200, limit: 200 }],
      ['huge offset', { type: 'getRows', requestId: 1, offset: MAX_ROW_OFFSET + 1, limit: 200 }],
      ['negative requestId', { type: 'getRows', requestId: -1, offset: 0, limit: 200 }],
      ['unsafe requestId', { type: 'getRows', requestId: 2 ** 53, offset: 0, limit: 200 }],
      ['an own __proto__ key (JSON)', JSON.parse('{"type":"ready","__proto__":{"polluted":true}}')],
      ['an own __proto__ key on getRows', JSON.parse('{"type":"getRows","requestId":1,"offset":0,"limit":10,"__proto__":{"limit":5}}')],
      ['a constructor key', { type: 'ready', constructor: { prototype: { polluted: true } } }],
      ['a prototype key', { type: 'ready', prototype: {} }],
      ['a symbol key', { type: 'ready', [Symbol('x')]: 1 }],
      // Messages only the host sends: a webview cannot pass them off as its own.
      ['findingsUpdated from the webview', { type: 'findingsUpdated', findings: { total: 0 } }],
      ['init from the webview', { type: 'init', summary: {}, warnings: [], pageSize: 200 }],
      ['rows from the webview', { type: 'rows', requestId: 1, offset: 0, total: 0, rows: [] }],
      ['error from the webview', { type: 'error', message: 'x' }],
      ['a settings change from the webview', { type: 'updateSettings', knownValues: { imei: '868715392756833' } }],
      ['a rescan request', { type: 'rescan' }],
      ['getRows carrying findings', { type: 'getRows', requestId: 1, offset: 0, limit: 10, findings: [] }],
    ];
    for (const [name, raw] of rejected) {
      it(name, () => assert.equal(parseWebviewMessage(raw), undefined));
    }

    it('an object whose prototype carries the fields', () => {
      const raw = Object.create({ requestId: 1, offset: 0, limit: 10 }) as Record<string, unknown>;
      raw.type = 'getRows';
      assert.equal(parseWebviewMessage(raw), undefined);
    });

    it('a getter (never invoked)', () => {
      let called = false;
      const raw = {
        type: 'getRows',
        requestId: 1,
        offset: 0,
        get limit() {
          called = true;
          return 10;
        },
      };
      assert.equal(parseWebviewMessage(raw), undefined);
      assert.equal(called, false);
    });

    it('a Proxy that lies about its type', () => {
      const raw = new Proxy({}, { get: (_t, key) => (key === 'type' ? 'ready' : undefined) });
      assert.equal(parseWebviewMessage(raw), undefined);
    });

    it('does not pollute Object.prototype', () => {
      parseWebviewMessage(JSON.parse('{"type":"ready","__proto__":{"polluted":true}}'));
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });
  });
});

describe('protocol constants', () => {
  it('lists each finding kind and confidence once, highest confidence first', () => {
    assert.equal(new Set(FINDING_KINDS).size, FINDING_KINDS.length);
    assert.deepEqual([...CONFIDENCES], ['high', 'medium', 'low']);
  });

  it('findingsUpdated is a notification (no requestId), so the webview routes it past pending requests', () => {
    const message: ToWebview = {
      type: 'findingsUpdated',
      findings: {
        total: 0, exchangesWithFindings: 0, byConfidence: { high: 0, medium: 0, low: 0 }, byKind: [], defaultRegion: '',
        regionFromSetting: false, knownValues: 0, plainHttp: [], plainHttpHostCount: 0, scanError: '',
      },
    };
    assert.equal('requestId' in message, false);
    // The contract itself, checked by the compiler (npm test type-checks the tests): a
    // findingsUpdated carrying a requestId would make this line a type error.
    const notification: Extract<ToWebview, { type: 'findingsUpdated' }> extends { requestId: unknown } ? 'request' : 'notification' = 'notification';
    assert.equal(notification, 'notification');
  });
});
