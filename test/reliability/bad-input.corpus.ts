/**
 * A seeded generator of hostile requests: malformed, oversized, wrongly encoded, unicode-tricky and
 * injection-shaped values, bodies and headers. The same seed always gives the same corpus, so a
 * failure can be replayed.
 */

/** mulberry32: small, fast, and good enough to pick test cases. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every echo check looks for this marker unescaped. */
export const MARK = 'zq9x';

/** Strings a careless handler would mishandle; `${MARK}` makes any echo findable. */
export const NASTY_STRINGS: readonly string[] = [
  `<script>alert('${MARK}')</script>`,
  `"><img src=x onerror=alert('${MARK}')>`,
  `'><svg onload=alert('${MARK}')>`,
  `</textarea><script>${MARK}</script>`,
  `javascript:alert('${MARK}')`,
  `data:text/html,<script>${MARK}</script>`,
  `' OR '1'='1`,
  `1; DROP TABLE signatures; --`,
  `"; SELECT pg_sleep(5); --`,
  `1' UNION SELECT email_enc FROM signatures --`,
  '../../../../etc/passwd',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '..\\..\\windows\\win.ini',
  '/dev/zero',
  '\u0000',
  `a\u0000b${MARK}`,
  '%00',
  '\r\nSet-Cookie: chorus_session=stolen',
  '\u202Egnp.exe',
  `\u2066${MARK}\u2069\u202B`,
  '\u200B\u200C\u200D\uFEFF',
  'ｅｘａｍｐｌｅ＠ｅｘａｍｐｌｅ．ｏｒｇ',
  'аdmin@еxample.org',
  'e\u0301\u0301\u0301\u0301\u0301',
  'Z̴̡̢̛̗̘̙̜̝̞̟̠̀́̂̃̄̅̆̇̈̉̊̋̌',
  '\uD800',
  '\uDFFF\uD800',
  '💩'.repeat(300),
  'مرحبا بالعالم',
  '𝕬𝖉𝖒𝖎𝖓',
  '{{7*7}}',
  '${7*7}',
  '<%= 7*7 %>',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '-1',
  '0',
  '1e309',
  'NaN',
  'Infinity',
  '9'.repeat(400),
  'true',
  'null',
  'undefined',
  '[]',
  '{}',
  ' ',
  '',
  'a'.repeat(5_000),
  'x@y',
  '@',
  'a@b@c.org',
  `${'a'.repeat(300)}@example.org`,
  'person@[127.0.0.1]',
  '"quoted local"@example.org',
  'person@example.org\nBcc: everyone@example.org',
  'FR\u0000',
  'fr',
  'XX',
  'ZZ',
  '%',
  '%%32%65',
  '+',
  '&',
  '=',
  '#',
  '?lang=ar',
];

/** Values of every JSON type, some hostile in shape rather than content. */
export function nastyJsonValue(random: () => number): unknown {
  const roll = random();
  if (roll < 0.55) return pick(random, NASTY_STRINGS);
  if (roll < 0.6) return Math.floor(random() * 1e6) - 5e5;
  if (roll < 0.63) return random() < 0.5;
  if (roll < 0.66) return null;
  if (roll < 0.72) return [pick(random, NASTY_STRINGS), pick(random, NASTY_STRINGS)];
  if (roll < 0.78) return { [pick(random, ['__proto__', 'constructor', 'toString', 'x'])]: pick(random, NASTY_STRINGS) };
  if (roll < 0.8) return 1.5e308 * 10; // serialises as null
  return pick(random, NASTY_STRINGS).repeat(1 + Math.floor(random() * 4));
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

/** Nested arrays deep enough to hurt a recursive parser or validator. */
export function deepJson(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** Bodies that are not what their content type says, or not text at all. */
export const RAW_BODIES: readonly { readonly type: string | undefined; readonly body: string | Buffer }[] = [
  { type: 'application/json', body: Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1]) },
  { type: 'application/json', body: '{"name":' },
  { type: 'application/json', body: '' },
  { type: 'application/json', body: 'null' },
  { type: 'application/json', body: '"just a string"' },
  { type: 'application/json', body: '[1,2,3]' },
  { type: 'application/json', body: deepJson(5_000) },
  { type: 'application/json', body: `{"a":${'{"a":'.repeat(2_000)}1${'}'.repeat(2_001)}` },
  { type: 'application/json', body: '{"__proto__":{"polluted":"yes"},"name":"A","email":"a@example.org","country":"FR"}' },
  { type: 'application/json', body: '{"constructor":{"prototype":{"polluted":"yes"}}}' },
  { type: 'application/json', body: '{"name":"A","name":"B","email":"a@example.org","country":"FR"}' },
  { type: 'application/json', body: '{"name":"\\ud800","email":"a@example.org","country":"FR"}' },
  { type: 'application/json', body: '{"name":"A\\u0000","email":"a@example.org\\u0000","country":"FR"}' },
  { type: 'application/json; charset=utf-16', body: Buffer.from('{"name":"A"}', 'utf16le') },
  { type: 'application/json; charset=latin1', body: Buffer.from('{"name":"Ã©"}', 'latin1') },
  { type: 'application/x-www-form-urlencoded', body: Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3d, 0xff, 0xfe, 0x26]) },
  { type: 'application/x-www-form-urlencoded', body: 'name=%E0%A4%A&email=%ZZ&country=%' },
  { type: 'application/x-www-form-urlencoded', body: '__proto__[polluted]=yes&constructor[prototype][polluted]=yes' },
  { type: 'application/x-www-form-urlencoded', body: 'name[]=a&name[]=b&email[x]=y&country=FR&country=DE' },
  { type: 'application/x-www-form-urlencoded', body: `${'a=1&'.repeat(5_000)}` },
  { type: 'application/x-www-form-urlencoded; charset=iso-8859-1', body: Buffer.from('name=Jos\xe9', 'latin1') },
  { type: 'application/x-www-form-urlencoded', body: '{"name":"json in a form"}' },
  { type: 'application/json', body: 'name=form&in=json' },
  { type: 'text/plain', body: 'name=A&email=a@example.org' },
  { type: 'text/html', body: '<script>zq9x</script>' },
  { type: 'application/xml', body: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>' },
  { type: 'multipart/form-data; boundary=----x', body: '------x\r\nContent-Disposition: form-data; name="name"\r\n\r\nA\r\n------x--\r\n' },
  { type: 'multipart/form-data', body: 'no boundary at all' },
  { type: 'application/octet-stream', body: Buffer.alloc(2_000, 0) },
  { type: 'application/json', body: `{"name":"${'x'.repeat(70_000)}"}` },
  { type: 'application/x-www-form-urlencoded', body: `comment=${'%F0%9F%92%A9'.repeat(8_000)}` },
  { type: undefined, body: 'name=A' },
  { type: '', body: 'name=A' },
  { type: 'application/json;;;charset===', body: '{}' },
  { type: 'APPLICATION/JSON', body: '{"name":"A"}' },
];

/** Header values for Accept-Language, Origin, Cookie and friends. */
export const NASTY_HEADERS: readonly Record<string, string>[] = [
  { 'accept-language': '*' },
  { 'accept-language': 'en_US' },
  { 'accept-language': 'xx-invalid-tag-!!, ar;q=abc' },
  { 'accept-language': `${'fr,'.repeat(500)}` },
  { 'accept-language': 'ar-EG;q=0.9, fr;q=0.8' },
  { origin: 'null' },
  { origin: 'https://evil.example' },
  { 'sec-fetch-site': 'cross-site' },
  { cookie: 'chorus_session=%ZZ; __Host-chorus_session=' },
  { cookie: `chorus_session=${'A'.repeat(4_000)}` },
  { 'x-forwarded-for': '127.0.0.1, <script>zq9x</script>' },
  { referer: 'javascript:alert(1)' },
];
