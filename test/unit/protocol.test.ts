import assert from 'node:assert/strict';
import {
  CONFIDENCES, FINDING_KINDS, FINDING_SORT_COLUMNS, MAX_FILTER_VALUES, MAX_KNOWN_VALUES, MAX_PAGE_SIZE, MAX_ROW_OFFSET, MAX_SEARCH_LENGTH,
  defaultRowQuery, parseWebviewMessage, refusedRequestId, type ToWebview,
} from '../../extension/protocol';

const query = defaultRowQuery();

describe('parseWebviewMessage', () => {
  describe('accepts the contract', () => {
    it('ready', () => {
      assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
    });

    it('getRows', () => {
      assert.deepEqual(parseWebviewMessage({ type: 'getRows', requestId: 7, query, offset: 400, limit: 200 }), {
        type: 'getRows',
        requestId: 7,
        query,
        offset: 400,
        limit: 200,
      });
    });

    it('getRows at the bounds', () => {
      assert.ok(parseWebviewMessage({ type: 'getRows', requestId: 0, query, offset: 0, limit: 1 }));
      assert.ok(parseWebviewMessage({ type: 'getRows', requestId: Number.MAX_SAFE_INTEGER, query, offset: MAX_ROW_OFFSET, limit: MAX_PAGE_SIZE }));
    });

    it('a message that went through JSON (as postMessage delivers it)', () => {
      assert.ok(parseWebviewMessage(JSON.parse(JSON.stringify({ type: 'getRows', requestId: 1, query, offset: 0, limit: 200 }))));
    });

    it('getFindingRows', () => {
      const raw = { type: 'getFindingRows', requestId: 9, query: { ...query, kinds: ['imei'], findings: 'with' }, sort: 'confidence', descending: true, offset: 200, limit: MAX_PAGE_SIZE };
      const parsed = parseWebviewMessage(raw);
      assert.deepEqual(parsed, raw);
      assert.notEqual(parsed, raw);
      for (const sort of FINDING_SORT_COLUMNS) {
        assert.ok(parseWebviewMessage({ type: 'getFindingRows', requestId: 0, query, sort, descending: false, offset: 0, limit: 1 }), sort);
      }
    });

    it('the other requests', () => {
      const accepted: unknown[] = [
        { type: 'getRows', requestId: 1, offset: 0, limit: 10, query: { search: 'imei "a b"', sort: 'findings', descending: true, kinds: ['imei', 'phone'], hosts: ['api.example.com', ''], methods: ['POST'], statuses: ['2xx', 'none'], scheme: 'http', findings: 'with' } },
        { type: 'findRow', requestId: 2, query, exchangeId: 5 },
        { type: 'getDetail', requestId: 3, exchangeId: 0 },
        { type: 'copy', requestId: 4, target: { what: 'curl', exchangeId: 1 } },
        { type: 'copy', requestId: 4, target: { what: 'url', exchangeId: 1 } },
        { type: 'copy', requestId: 5, target: { what: 'finding', exchangeId: 1, finding: 3 } },
        { type: 'copy', requestId: 6, target: { what: 'layer', exchangeId: 1, section: 'response-body', field: 0, layer: 2 } },
        { type: 'reveal', requestId: 7, exchangeId: 9 },
        { type: 'setKnownValues', requestId: 8, target: 'settings', entries: [{ kind: 'imei', value: '868715392756833' }, { kind: 'string', value: 'alice' }] },
        { type: 'setKnownValues', requestId: 8, target: 'sidecar', entries: [] },
        { type: 'getAnnotationDraft', requestId: 9, exchangeIds: [4, 7], annotationId: null },
        { type: 'getAnnotationDraft', requestId: 9, exchangeIds: [], annotationId: 'a1' },
        { type: 'saveAnnotation', requestId: 10, draft: { id: null, exchangeIds: [4], severity: 'critical', title: 'IMSI in clear', notes: '**every** launch', tags: ['imsi'], findingKeys: ['["imsi","460010886207782","request_body","body",[]]'] } },
        { type: 'saveAnnotation', requestId: 10, draft: { id: 'a1', exchangeIds: [], severity: 'info', title: '', notes: '', tags: [], findingKeys: [] } },
        { type: 'deleteAnnotation', requestId: 11, id: 'a1' },
        { type: 'judgeFinding', requestId: 12, exchangeId: 4, key: 'k', judgement: 'false-positive', reason: 'lab SIM' },
        { type: 'judgeFinding', requestId: 12, exchangeId: 4, key: 'k', judgement: null, reason: '' },
      ];
      for (const raw of accepted) assert.deepEqual(parseWebviewMessage(raw), raw, JSON.stringify(raw));
    });

    it('objects without a prototype', () => {
      const raw = Object.assign(Object.create(null) as object, { type: 'ready' });
      assert.deepEqual(parseWebviewMessage(raw), { type: 'ready' });
    });

    it('returns a fresh object, not the input', () => {
      const raw = { type: 'getRows', requestId: 1, query, offset: 0, limit: 10 };
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
      ['getRows without limit', { type: 'getRows', requestId: 1, query, offset: 0 }],
      ['getRows without requestId', { type: 'getRows', query, offset: 0, limit: 10 }],
      ['getRows with an extra key', { type: 'getRows', requestId: 1, query, offset: 0, limit: 10, path: '/etc/passwd' }],
      ['limit as a string', { type: 'getRows', requestId: 1, query, offset: 0, limit: '200' }],
      ['offset as a string', { type: 'getRows', requestId: 1, query, offset: '0', limit: 200 }],
      ['requestId as a string', { type: 'getRows', requestId: '1', query, offset: 0, limit: 200 }],
      ['requestId as a bigint', { type: 'getRows', requestId: 1n, query, offset: 0, limit: 200 }],
      ['negative limit', { type: 'getRows', requestId: 1, query, offset: 0, limit: -1 }],
      ['zero limit', { type: 'getRows', requestId: 1, query, offset: 0, limit: 0 }],
      ['huge limit', { type: 'getRows', requestId: 1, query, offset: 0, limit: MAX_PAGE_SIZE + 1 }],
      ['infinite limit', { type: 'getRows', requestId: 1, query, offset: 0, limit: Infinity }],
      ['NaN limit', { type: 'getRows', requestId: 1, query, offset: 0, limit: NaN }],
      ['fractional limit', { type: 'getRows', requestId: 1, query, offset: 0, limit: 2.5 }],
      ['negative offset', { type: 'getRows', requestId: 1, query, offset: -200, limit: 200 }],
      ['huge offset', { type: 'getRows', requestId: 1, query, offset: MAX_ROW_OFFSET + 1, limit: 200 }],
      ['negative requestId', { type: 'getRows', requestId: -1, query, offset: 0, limit: 200 }],
      ['unsafe requestId', { type: 'getRows', requestId: 2 ** 53, query, offset: 0, limit: 200 }],
      ['an own __proto__ key (JSON)', JSON.parse('{"type":"ready","__proto__":{"polluted":true}}')],
      ['an own __proto__ key on getRows', JSON.parse(`{"type":"getRows","requestId":1,"query":${JSON.stringify(query)},"offset":0,"limit":10,"__proto__":{"limit":5}}`)],
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
      ['getRows carrying findings', { type: 'getRows', requestId: 1, query, offset: 0, limit: 10, findings: [] }],
      ['getRows without a query', { type: 'getRows', requestId: 1, offset: 0, limit: 10 }],
      ['a query with an unknown sort', { type: 'getRows', requestId: 1, query: { ...query, sort: 'constructor' }, offset: 0, limit: 10 }],
      ['a query with an extra key', { type: 'getRows', requestId: 1, query: { ...query, where: '1=1' }, offset: 0, limit: 10 }],
      ['a query without a key', { type: 'getRows', requestId: 1, query: { ...query, findings: undefined }, offset: 0, limit: 10 }],
      ['a search over its cap', { type: 'getRows', requestId: 1, query: { ...query, search: 'x'.repeat(MAX_SEARCH_LENGTH + 1) }, offset: 0, limit: 10 }],
      ['a search that is not a string', { type: 'getRows', requestId: 1, query: { ...query, search: ['imei'] }, offset: 0, limit: 10 }],
      ['descending as a string', { type: 'getRows', requestId: 1, query: { ...query, descending: 'true' }, offset: 0, limit: 10 }],
      ['an unknown kind', { type: 'getRows', requestId: 1, query: { ...query, kinds: ['ssn'] }, offset: 0, limit: 10 }],
      ['an unknown status class', { type: 'getRows', requestId: 1, query: { ...query, statuses: ['6xx'] }, offset: 0, limit: 10 }],
      ['an unknown scheme', { type: 'getRows', requestId: 1, query: { ...query, scheme: 'ftp' }, offset: 0, limit: 10 }],
      ['too many hosts', { type: 'getRows', requestId: 1, query: { ...query, hosts: Array.from({ length: MAX_FILTER_VALUES + 1 }, (_, i) => `h${i}`) }, offset: 0, limit: 10 }],
      ['a host that is not a string', { type: 'getRows', requestId: 1, query: { ...query, hosts: [{}] }, offset: 0, limit: 10 }],
      ['a sparse list', { type: 'getRows', requestId: 1, query: { ...query, methods: new Array(3) }, offset: 0, limit: 10 }],
      ['a list with an extra property', { type: 'getRows', requestId: 1, query: { ...query, methods: Object.assign(['GET'], { evil: 1 }) }, offset: 0, limit: 10 }],
      ['a list-like object', { type: 'getRows', requestId: 1, query: { ...query, methods: { 0: 'GET', length: 1 } }, offset: 0, limit: 10 }],
      ['getFindingRows with an unknown sort', { type: 'getFindingRows', requestId: 1, query, sort: 'path', descending: false, offset: 0, limit: 10 }],
      ['getFindingRows sorted by a prototype key', { type: 'getFindingRows', requestId: 1, query, sort: 'constructor', descending: false, offset: 0, limit: 10 }],
      ['getFindingRows with descending as a string', { type: 'getFindingRows', requestId: 1, query, sort: 'kind', descending: 'false', offset: 0, limit: 10 }],
      ['getFindingRows with descending as a number', { type: 'getFindingRows', requestId: 1, query, sort: 'kind', descending: 1, offset: 0, limit: 10 }],
      ['getFindingRows without descending', { type: 'getFindingRows', requestId: 1, query, sort: 'kind', offset: 0, limit: 10 }],
      ['getFindingRows without a query', { type: 'getFindingRows', requestId: 1, sort: 'kind', descending: false, offset: 0, limit: 10 }],
      ['getFindingRows with a forged query', { type: 'getFindingRows', requestId: 1, query: { ...query, kinds: ['ssn'] }, sort: 'kind', descending: false, offset: 0, limit: 10 }],
      ['getFindingRows over the page size', { type: 'getFindingRows', requestId: 1, query, sort: 'kind', descending: false, offset: 0, limit: MAX_PAGE_SIZE + 1 }],
      ['getFindingRows with a zero limit', { type: 'getFindingRows', requestId: 1, query, sort: 'kind', descending: false, offset: 0, limit: 0 }],
      ['getFindingRows with a huge offset', { type: 'getFindingRows', requestId: 1, query, sort: 'kind', descending: false, offset: MAX_ROW_OFFSET + 1, limit: 10 }],
      ['getFindingRows with an extra key', { type: 'getFindingRows', requestId: 1, query, sort: 'kind', descending: false, offset: 0, limit: 10, kinds: ['imei'] }],
      ['findingRows from the webview', { type: 'findingRows', requestId: 1, offset: 0, total: 0, findingCount: 0, queryMs: 0, rows: [] }],
      ['getDetail of a negative exchange', { type: 'getDetail', requestId: 1, exchangeId: -1 }],
      ['getDetail with a path', { type: 'getDetail', requestId: 1, exchangeId: 1, path: '/etc/passwd' }],
      ['copy of arbitrary text', { type: 'copy', requestId: 1, target: { what: 'text', text: 'rm -rf ~' } }],
      ['copy with text riding along', { type: 'copy', requestId: 1, target: { what: 'curl', exchangeId: 1, text: 'x' } }],
      ['copy of an unknown section', { type: 'copy', requestId: 1, target: { what: 'layer', exchangeId: 1, section: 'file', field: 0, layer: 0 } }],
      ['reveal of a file', { type: 'reveal', requestId: 1, exchangeId: 1, uri: 'file:///etc/passwd' }],
      ['known values with an unknown key', { type: 'setKnownValues', requestId: 1, target: 'settings', entries: [{ kind: 'imei', value: '1', label: 'x' }] }],
      ['known values with a kind that is no name', { type: 'setKnownValues', requestId: 1, target: 'settings', entries: [{ kind: '../settings', value: '1' }] }],
      ['too many known values', { type: 'setKnownValues', requestId: 1, target: 'settings', entries: Array.from({ length: MAX_KNOWN_VALUES + 1 }, () => ({ kind: 'string', value: 'abc' })) }],
      ['a known value over its cap', { type: 'setKnownValues', requestId: 1, target: 'settings', entries: [{ kind: 'string', value: 'x'.repeat(100_000) }] }],
      ['known values without a target', { type: 'setKnownValues', requestId: 1, entries: [] }],
      ['known values to a file', { type: 'setKnownValues', requestId: 1, target: '/etc/passwd', entries: [] }],
      ['a draft for no exchange', { type: 'getAnnotationDraft', requestId: 1, exchangeIds: [], annotationId: null }],
      ['a draft with a repeated exchange', { type: 'getAnnotationDraft', requestId: 1, exchangeIds: [3, 3], annotationId: null }],
      ['a draft with a fractional exchange', { type: 'getAnnotationDraft', requestId: 1, exchangeIds: [1.5], annotationId: null }],
      ['a draft of an empty id', { type: 'getAnnotationDraft', requestId: 1, exchangeIds: [1], annotationId: '' }],
      ['a new annotation on no exchange', { type: 'saveAnnotation', requestId: 1, draft: { id: null, exchangeIds: [], severity: 'high', title: '', notes: '', tags: [], findingKeys: [] } }],
      ['an annotation of an unknown severity', { type: 'saveAnnotation', requestId: 1, draft: { id: null, exchangeIds: [1], severity: 'urgent', title: '', notes: '', tags: [], findingKeys: [] } }],
      ['an annotation with a path riding along', { type: 'saveAnnotation', requestId: 1, draft: { id: null, exchangeIds: [1], severity: 'high', title: '', notes: '', tags: [], findingKeys: [], path: '/etc/passwd' } }],
      ['an annotation with a created date', { type: 'saveAnnotation', requestId: 1, draft: { id: null, exchangeIds: [1], severity: 'high', title: '', notes: '', tags: [], findingKeys: [], created: '2020' } }],
      ['an annotation title over its cap', { type: 'saveAnnotation', requestId: 1, draft: { id: null, exchangeIds: [1], severity: 'high', title: 'x'.repeat(301), notes: '', tags: [], findingKeys: [] } }],
      ['notes over their cap', { type: 'saveAnnotation', requestId: 1, draft: { id: null, exchangeIds: [1], severity: 'high', title: '', notes: 'x'.repeat(20_001), tags: [], findingKeys: [] } }],
      ['too many tags', { type: 'saveAnnotation', requestId: 1, draft: { id: null, exchangeIds: [1], severity: 'high', title: '', notes: '', tags: Array.from({ length: 33 }, () => 't'), findingKeys: [] } }],
      ['a tag that is not text', { type: 'saveAnnotation', requestId: 1, draft: { id: null, exchangeIds: [1], severity: 'high', title: '', notes: '', tags: [{}], findingKeys: [] } }],
      ['a draft with a __proto__ key', { type: 'saveAnnotation', requestId: 1, draft: JSON.parse('{"__proto__":{"polluted":1},"id":null,"exchangeIds":[1],"severity":"high","title":"","notes":"","tags":[],"findingKeys":[]}') as unknown }],
      ['a delete without an id', { type: 'deleteAnnotation', requestId: 1 }],
      ['a delete of a number', { type: 'deleteAnnotation', requestId: 1, id: 7 }],
      ['a judgement of an unknown kind', { type: 'judgeFinding', requestId: 1, exchangeId: 1, key: 'k', judgement: 'ignore', reason: '' }],
      ['a judgement without a reason field', { type: 'judgeFinding', requestId: 1, exchangeId: 1, key: 'k', judgement: 'expected' }],
      ['a judgement reason over its cap', { type: 'judgeFinding', requestId: 1, exchangeId: 1, key: 'k', judgement: 'expected', reason: 'x'.repeat(2001) }],
      ['annotationDraft from the webview', { type: 'annotationDraft', requestId: 1, draft: {}, findings: [] }],
      ['startAnnotation from the webview', { type: 'startAnnotation' }],
    ];
    for (const [name, raw] of rejected) {
      it(name, () => assert.equal(parseWebviewMessage(raw), undefined));
    }

    it('an object whose prototype carries the fields', () => {
      const raw = Object.create({ requestId: 1, query, offset: 0, limit: 10 }) as Record<string, unknown>;
      raw.type = 'getRows';
      assert.equal(parseWebviewMessage(raw), undefined);
    });

    it('a getter (never invoked)', () => {
      let called = false;
      const raw = {
        type: 'getRows',
        requestId: 1,
        query,
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

    it('a refused request with a plain requestId can still be answered; anything else cannot', () => {
      assert.equal(refusedRequestId({ type: 'getDetail', requestId: 7, exchangeId: -1 }), 7);
      assert.equal(refusedRequestId({ type: 'x', requestId: -1 }), undefined);
      assert.equal(refusedRequestId({ type: 'x', requestId: 2 ** 53 }), undefined);
      assert.equal(refusedRequestId({ get requestId() { return 1; } }), undefined);
      assert.equal(refusedRequestId('ready'), undefined);
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
        regionFromSetting: false, knownValues: 0, plainHttp: [], plainHttpHostCount: 0, byHost: [], hostsWithFindings: 0, scanError: '',
      },
    };
    assert.equal('requestId' in message, false);
    // The contract itself, checked by the compiler (npm test type-checks the tests): a
    // findingsUpdated carrying a requestId would make this line a type error.
    const notification: Extract<ToWebview, { type: 'findingsUpdated' }> extends { requestId: unknown } ? 'request' : 'notification' = 'notification';
    assert.equal(notification, 'notification');
  });
});
