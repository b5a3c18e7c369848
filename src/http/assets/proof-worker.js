// Solves an ALTCHA v2 challenge (PBKDF2/SHA-256, deterministic mode): finds the counter whose key,
// derived from the nonce followed by the counter (32-bit big-endian) with the challenge's salt and
// cost, starts with the challenge's key prefix. Web Crypto does the hashing natively.
'use strict';

function fromHex(hex) {
  var out = new Uint8Array(hex.length / 2);
  for (var i = 0; i < out.length; i += 1) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

function toHex(bytes) {
  var out = '';
  for (var i = 0; i < bytes.length; i += 1) out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return out;
}

self.onmessage = async function (event) {
  try {
    var parameters = event.data && event.data.parameters;
    if (!parameters || parameters.algorithm !== 'PBKDF2/SHA-256') throw new Error('unsupported challenge');
    var nonce = fromHex(parameters.nonce);
    var salt = fromHex(parameters.salt);
    var prefix = String(parameters.keyPrefix).toLowerCase();
    var bits = (parameters.keyLength || 32) * 8;
    var password = new Uint8Array(nonce.length + 4);
    password.set(nonce, 0);
    var view = new DataView(password.buffer);
    var started = Date.now();
    for (var counter = 0; counter <= 0xffffffff; counter += 1) {
      if (Date.now() - started > 60000) break;
      view.setUint32(nonce.length, counter, false);
      var key = await crypto.subtle.importKey('raw', password, 'PBKDF2', false, ['deriveBits']);
      var derived = toHex(new Uint8Array(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: salt, iterations: parameters.cost }, key, bits)));
      if (derived.indexOf(prefix) === 0) {
        self.postMessage({ solution: { counter: counter, derivedKey: derived, time: Date.now() - started } });
        return;
      }
    }
    self.postMessage({ error: 'not solved' });
  } catch (error) {
    self.postMessage({ error: String(error && error.message) });
  }
};
