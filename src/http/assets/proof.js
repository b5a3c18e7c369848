// Proof of work: an enhancement only, and only on petitions that ask for it (the form carries
// data-proof). It fetches a challenge from our own server, has proof-worker.js solve it with Web
// Crypto off the main thread, and sends the result with the form as `altcha` (ALTCHA v2). Without
// JavaScript the form still works: the server then judges it by its other signals.
(function () {
  'use strict';
  var form = document.querySelector('form[data-proof]');
  if (!form || typeof Worker === 'undefined' || !window.crypto || !window.crypto.subtle || !window.fetch) return;
  var MAX_AGE = 25 * 60 * 1000; // challenges last 30 minutes
  var input = document.createElement('input');
  input.type = 'hidden';
  input.name = 'altcha';
  input.value = '';
  form.appendChild(input);
  var state = 'idle';
  var solvedAt = 0;
  var waiting = false;

  function send() {
    if (!waiting) return;
    waiting = false;
    form.removeAttribute('aria-busy');
    form.submit();
  }

  function finish(ok, value) {
    state = ok ? 'done' : 'failed';
    input.value = ok ? value : '';
    solvedAt = Date.now();
    send();
  }

  function solve() {
    state = 'working';
    input.value = '';
    fetch(form.getAttribute('data-proof'), { credentials: 'same-origin', cache: 'no-store' })
      .then(function (response) {
        if (!response.ok) throw new Error('challenge ' + response.status);
        return response.json();
      })
      .then(function (challenge) {
        var worker = new Worker(form.getAttribute('data-proof-worker'));
        worker.onmessage = function (event) {
          worker.terminate();
          var solution = event.data && event.data.solution;
          finish(!!solution, solution ? btoa(JSON.stringify({ challenge: challenge, solution: solution })) : '');
        };
        worker.onerror = function () {
          worker.terminate();
          finish(false, '');
        };
        worker.postMessage(challenge);
      })
      .catch(function () {
        finish(false, '');
      });
  }

  // Start as soon as the page is idle, so the work is done while the person reads and types.
  var start = function () { if (state === 'idle') solve(); };
  if (window.requestIdleCallback) window.requestIdleCallback(start, { timeout: 2000 });
  else setTimeout(start, 500);
  form.addEventListener('focusin', start);

  form.addEventListener('submit', function (event) {
    if (state === 'done' && Date.now() - solvedAt < MAX_AGE) return;
    // A failure is sent as it is: the signature is accepted, and held for review.
    if (state === 'failed') return;
    event.preventDefault();
    waiting = true;
    form.setAttribute('aria-busy', 'true');
    if (state !== 'working') solve();
    // Never keep a person waiting for long: send whatever there is after fifteen seconds.
    setTimeout(send, 15000);
  });
})();
