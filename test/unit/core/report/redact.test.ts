import assert from 'node:assert/strict';
import {
  IdentifierMasker, isSecretHeader, isSecretName, maskIdentifier, REDACTED, redactHeader, redactJwt, redactSecrets, redactUrl, withholdJwtPayloads,
} from '../../../../extension/core/report/redact';

const JWT_HEADER = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
const JWT_PAYLOAD = Buffer.from('{"sub":"42","imei":"868715392756833"}').toString('base64url');
const JWT_SIG = 'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const JWT = `${JWT_HEADER}.${JWT_PAYLOAD}.${JWT_SIG}`;

describe('report/redact: secrets', () => {
  it('secret headers: the credential and session headers, and names that read as secrets', () => {
    for (const name of ['Authorization', 'proxy-authorization', 'Cookie', 'Set-Cookie', 'X-Api-Key', 'X-Auth-Token', 'X-CSRF-Token',
      'X-Amz-Security-Token', 'X-Goog-Api-Key', 'X-Session-Id', 'X-Refresh-Token', 'X-Hub-Signature']) {
      assert.ok(isSecretHeader(name), name);
      assert.equal(redactHeader(name, 'value123'), REDACTED);
    }
    for (const name of ['Host', 'User-Agent', 'X-Device-Id', 'Content-Type', 'Author', 'X-SSID']) assert.ok(!isSecretHeader(name), name);
  });

  it('secret names: query, form, JSON and cookie keys', () => {
    for (const name of ['api_key', 'apikey', 'apiKey', 'API-KEY', 'access_token', 'accessToken', 'refresh_token', 'id_token', 'token', 'auth_token',
      'secret', 'client_secret', 'password', 'passwd', 'pwd', 'session', 'sessionid', 'session_id', 'PHPSESSID', 'JSESSIONID', 'sid',
      'sig', 'signature', 'jwt', 'csrf_token', 'xsrf', 'aws_secret_access_key', 'private_key', 'app_key', 'otp', 'credentials']) {
      assert.ok(isSecretName(name), name);
    }
    for (const name of ['imei', 'uid', 'ssid', 'key', 'author', 'android_id', 'mac_md5', 'gaid', 'passenger']) assert.ok(!isSecretName(name), name);
  });

  it('auth schemes: the credential after Bearer, Basic and others is removed', () => {
    const bearer = redactSecrets('Authorization: Bearer abc123DEF456ghi');
    assert.doesNotMatch(bearer, /abc123DEF456ghi/);
    assert.equal(redactSecrets('see Bearer abc123DEF456ghi here'), `see Bearer ${REDACTED} here`);
    assert.equal(redactSecrets('Basic dXNlcjpwYXNzd29yZA=='), `Basic ${REDACTED}`);
    assert.equal(redactSecrets('Token expired after a basic understanding'), 'Token expired after a basic understanding');
  });

  it('JWTs keep header and payload; the signature is dropped', () => {
    assert.equal(redactJwt(JWT), `${JWT_HEADER}.${JWT_PAYLOAD}.[signature removed]`);
    const out = redactSecrets(`x=${JWT}&y=1`);
    assert.ok(!out.includes(JWT_SIG));
    assert.ok(out.includes(`${JWT_HEADER}.${JWT_PAYLOAD}.`));
  });

  it('provider keys, private keys and URL user info', () => {
    const secrets = {
      aws: 'AKIAIOSFODNN7EXAMPLE',
      google: 'AIzaSyA1234567890abcdefghijklmnopqrstuv',
      github: `ghp_${'a1B2'.repeat(9)}`,
      slack: 'xoxb-1234567890-abcdefghij',
      stripe: 'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
      pem: '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----',
    };
    for (const [what, secret] of Object.entries(secrets)) {
      const out = redactSecrets(`before ${secret} after`);
      assert.ok(!out.includes(secret), `${what}: ${out}`);
      assert.match(out, /before \[REDACTED[^\]]*\] after/, what);
    }
    assert.equal(redactSecrets('https://user:hunter2@api.test/x'), `https://${REDACTED}@api.test/x`);
  });

  it('name=value, "name": value and Name: value pairs with secret names', () => {
    assert.equal(redactSecrets('a=1&password=hunter2&b=2'), `a=1&password=${REDACTED}&b=2`);
    assert.equal(redactSecrets('{"user":"li","password":"hunter2","n":5,"api_key":12345}'), `{"user":"li","password":"${REDACTED}","n":5,"api_key":"${REDACTED}"}`);
    assert.equal(redactSecrets('notes\nCookie: sid=abc; uid=5\nHost: x'), `notes\nCookie: ${REDACTED}\nHost: x`);
  });

  it('redactUrl: secret query and fragment parameters, user info; others untouched and not re-encoded', () => {
    const url = `http://u:p@api.test/p/${JWT}?imei=868715392756833&access_token=T0KEN&api%5Fkey=K3Y&mac=28%3A6c&x=${JWT}#id_token=ID7&state=s`;
    const out = redactUrl(url);
    for (const secret of ['u:p', 'T0KEN', 'K3Y', 'ID7', JWT_SIG]) assert.ok(!out.includes(secret), `${secret} in ${out}`);
    assert.ok(out.includes('imei=868715392756833&'));
    assert.ok(out.includes('mac=28%3A6c&'));
    assert.ok(out.includes('#id_token=[REDACTED]&state=s'));
    assert.equal(redactUrl('http://h.test/?d=eyJhIjoxfQ&q=1', { withhold: new Set(['d']), withheldText: '[w]' }), 'http://h.test/?d=[w]&q=1');
  });
});

describe('report/redact: masking', () => {
  it('matches the issue: IMEI 868715392756833 → 86871539••••833', () => {
    assert.equal(maskIdentifier('imei', '868715392756833'), '86871539••••833');
  });

  it('each kind keeps its first and last characters and its separators', () => {
    assert.equal(maskIdentifier('imsi', '460010886207782'), '46001088••••782');
    assert.equal(maskIdentifier('iccid', '8986011240739072446'), '89860112••••••••446');
    assert.equal(maskIdentifier('meid', 'A0000012345678'), 'A000001••••678');
    assert.equal(maskIdentifier('serial', 'R58M1234ABC'), 'R58M••••ABC');
    assert.equal(maskIdentifier('phone', '+8613873243456'), '+8613•••••••56');
    assert.equal(maskIdentifier('phone', '+86 139 2344 9289'), '+86 13• •••• ••89');
    assert.equal(maskIdentifier('email', 'li.wei.2706@example.com'), 'l•••@example.com');
    assert.equal(maskIdentifier('mac', '28:6c:07:c0:35:8f'), '28:6c:07:••:••:8f');
    assert.equal(maskIdentifier('mac', '64:09:80:C4:F9:0D'), '64:09:80:••:••:0D');
    assert.equal(maskIdentifier('geo', '39.908974,116.398468'), '39.9•••••,116.3•••••');
    assert.equal(maskIdentifier('android_id', '22886cb0102e67c1'), '2288•••••••••7c1');
    assert.equal(maskIdentifier('ad_id', '32af5ead-3986-4d6f-924a-4197ec551d76'), '32af••••-••••-••••-••••-•••••••••d76');
    assert.equal(maskIdentifier('known_value', 'my-secret-name'), 'my-s•••••-•ame');
    assert.equal(maskIdentifier('carrier', 'China Unicom'), 'China Unicom');
  });

  it('short values hide everything but the ends', () => {
    assert.equal(maskIdentifier('imei', '12345'), '1•••5');
    assert.equal(maskIdentifier('android_id', 'abc'), '•••');
  });

  it('IdentifierMasker: as seen, canonical, percent-encoded and any case; hashes replaced whole', () => {
    const masker = new IdentifierMasker([
      { kind: 'imei', text: '868715392756833' },
      { kind: 'email', text: 'li.wei.2706@example.com' },
      { kind: 'mac', text: '28:6c:07:c0:35:8f' },
      { kind: 'imei', text: '88f26657e4d293cd1f300606ca27ec55', derived: 'md5' },
      { kind: 'carrier', text: 'China Unicom' },
    ]);
    const out = masker.mask('imei=868715392756833&e=li.wei.2706%40example.com&m=28%3A6C%3A07%3AC0%3A35%3A8F&h=88F26657E4D293CD1F300606CA27EC55&c=China Unicom');
    assert.equal(out, 'imei=86871539••••833&e=l•••@example.com&m=28:6C:07:••:••:8F&h=[md5 of IMEI]&c=China Unicom');
  });
});

describe('report/redact: review findings', () => {
  it('compound secret names written without separators or case', () => {
    for (const name of ['apitoken', 'sessiontoken', 'pushtoken', 'devicetoken', 'usertoken', 'authkey', 'Ocp-Apim-Subscription-Key', 'SAPISID',
      '__Secure-3PAPISID', 'cookie2', 'mysessionid', 'userpassword', 'x_signature_v2']) {
      assert.ok(isSecretName(name), name);
    }
    assert.ok(isSecretHeader('Cookie2'));
    for (const name of ['imei', 'device_id', 'deviceid', 'ssid', 'passenger', 'possession', 'assessment', 'android_id', 'mac', 'carrier']) {
      assert.ok(!isSecretName(name), name);
    }
    assert.equal(redactSecrets('a=1&devicetoken=abc123def456&apitoken=xyz'), `a=1&devicetoken=${REDACTED}&apitoken=${REDACTED}`);
  });

  it('name=value secrets inside parentheses (a User-Agent)', () => {
    assert.equal(redactSecrets('App/1.0 (Linux; token=abc123def456)'), `App/1.0 (Linux; token=${REDACTED})`);
    assert.equal(redactSecrets('App/1.0 (token=abc123def456)'), `App/1.0 (token=${REDACTED})`);
  });

  it('bearer credentials: lower-case only, percent- and form-encoded spaces', () => {
    assert.equal(redactSecrets('Bearer abcdefghijklmnopqrstu'), `Bearer ${REDACTED}`);
    assert.equal(redactSecrets('?h=Bearer%20abc123DEF456ghi&x=1'), `?h=Bearer%20${REDACTED}&x=1`);
    assert.equal(redactSecrets('h=Bearer+abc123DEF456ghi'), `h=Bearer+${REDACTED}`);
    assert.equal(redactSecrets('Bearer authentication is used'), 'Bearer authentication is used');
  });

  it('percent-encoded JSON and JSON arrays with secret names', () => {
    const out = redactSecrets('d=%7B%22token%22%3A%22ENCSECRET1%22%2C%22imei%22%3A%22868715392756833%22%7D');
    assert.ok(!out.includes('ENCSECRET1'), out);
    assert.ok(out.includes('868715392756833'));
    const arr = redactSecrets('{"token": ["ARRSECRET1", "ARRSECRET2"], "n": 1}');
    assert.equal(arr, `{"token": "${REDACTED}", "n": 1}`);
    assert.ok(!redactSecrets('{"auth": {"v": "OBJSECRET"}}').includes('OBJSECRET'));
  });

  it('JWTs with a pretty-printed header lose their signature; other dotted text does not', () => {
    const header = Buffer.from('{\n  "alg": "HS256",\n  "typ": "JWT"\n}').toString('base64url');
    assert.ok(header.startsWith('ewog'));
    const jwt = `${header}.${JWT_PAYLOAD}.${JWT_SIG}`;
    assert.equal(redactJwt(jwt), `${header}.${JWT_PAYLOAD}.[signature removed]`);
    assert.equal(redactJwt('example.test.domainname'), 'example.test.domainname');
    assert.equal(withholdJwtPayloads(redactJwt(JWT)), `${JWT_HEADER}.[JWT payload withheld].[signature removed]`);
  });

  it('URL user info is cut at the last @ before the path', () => {
    assert.equal(redactSecrets('https://user:p@ss@host.test/x?a=b@c'), `https://${REDACTED}@host.test/x?a=b@c`);
    assert.equal(redactUrl('https://user:p@ss@host.test/x'), `https://${REDACTED}@host.test/x`);
  });

  it('the masker finds identifiers written with other separators', () => {
    const masker = new IdentifierMasker([
      { kind: 'imei', text: '868715392756833' },
      { kind: 'mac', text: '28:6c:07:c0:35:8f' },
      { kind: 'phone', text: '+8613923449289' },
    ]);
    const out = masker.mask('imei 86-871539-275683-3, mac 28-6C-07-C0-35-8F, phone +86 139-2344-9289 or (139) 2344 9289, done');
    for (const raw of ['275683', 'c0-35', 'C0-35', '2344-9289', '2344 9289']) assert.ok(!out.includes(raw), `${raw} in ${out}`);
    assert.match(out, /imei 86-871539-••••83-3, mac 28-6C-07-••-••-8F, phone \+86 13•-••••-••89/);
    // Unrelated numbers and words stay.
    assert.equal(masker.mask('build 8687-1539 of 2026-11-20'), 'build 8687-1539 of 2026-11-20');
  });

  it('long runs of near-misses (digits one short, separated) are left as they are', () => {
    // Its speed on such input is a property of the one-pass search; here: it is correct on it.
    const masker = new IdentifierMasker([{ kind: 'imei', text: '868715392756833' }, { kind: 'phone', text: '+8613923449289' }]);
    const hostile = '8-6-8-7-1-5-3-9-2-7-5-6-8-3 '.repeat(20_000);
    assert.equal(masker.mask(hostile), hostile);
    assert.doesNotMatch(masker.mask(`${hostile}8-6-8-7-1-5-3-9-2-7-5-6-8-3-3`), /8-6-8-7-1-5-3-9-2-7-5-6-8-3-3$/);
  });
});
