import assert from 'node:assert/strict';
import {
  IdentifierMasker, isSecretHeader, isSecretName, maskIdentifier, REDACTED, redactHeader, redactJwt, redactSecrets, redactUrl,
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
