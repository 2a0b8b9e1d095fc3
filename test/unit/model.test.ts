import { strict as assert } from 'node:assert';
import { urlHostname } from '../../extension/core/model';

function whatwgHostname(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

describe('urlHostname (a fast path beside WHATWG URL parsing)', () => {
  // Cases where a hand-rolled host split and the URL standard part ways: numbers read as IPv4,
  // userinfo with @, ports out of range, IDN, backslashes, upper case, trailing dots.
  const cases = [
    'http://Example.COM/x', 'https://a.b.c:8443/?q', 'http://user:pw@host.test/', 'http://a@b@c.test/',
    'http://10.0.0.1/', 'http://010.0.0.1/', 'http://0x7f.1/', 'http://1.2.3/', 'http://256.1.1.1/',
    'http://1.2.3.4.5/', 'http://example.com./', 'http://ex-ample.com', 'http://exa_mple.com/',
    'http://[::1]:80/', 'http://xn--bcher-kva.example/', 'http://bücher.example/', 'http://host.123/',
    'http://host.1a/', 'http://a.b?x', 'http://a.b#y', 'http://a.b\\c', 'HTTP://UPPER.test/', 'ws://sock.test:1/',
    'http:///nohost', 'http://h:99999/', 'http://h:65535/', 'http://h:/', 'http://h:8a/', 'http://-lead.test/',
    'http://09.test/', 'http://a.0x/', 'http://a.0x1f/', 'https://u@10.0.0.1:443/p', 'data:text/plain,hi',
    'ftp://files.test/', 'not a url', '', 'http://', 'http://%41.test/', 'http://a..b/',
  ];
  for (const url of cases) {
    it(JSON.stringify(url), () => assert.equal(urlHostname(url), whatwgHostname(url)));
  }
});
