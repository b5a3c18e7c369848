// Live count: an enhancement only. The page already shows the count; this keeps it current.
(function () {
  'use strict';
  var root = document.querySelector('[data-live-count]');
  if (!root || typeof EventSource === 'undefined') return;
  var url = root.getAttribute('data-live-count');
  var goal = Number(root.getAttribute('data-goal')) || 0;
  var lang = document.documentElement.lang || 'en';
  var format = new Intl.NumberFormat(lang);
  var figure = root.querySelector('[data-count]');
  var bar = root.querySelector('progress');
  var source = new EventSource(url);
  source.addEventListener('count', function (event) {
    var data;
    try { data = JSON.parse(event.data); } catch (e) { return; }
    if (typeof data.signatureCount !== 'number') return;
    if (figure) figure.textContent = (data.labels && data.labels[lang]) || format.format(data.signatureCount);
    if (bar && goal > 0) bar.value = Math.min(data.signatureCount, goal);
    root.setAttribute('data-count-value', String(data.signatureCount));
  });
})();
