// Progressive enhancement of the ingestion status page. Without
// JavaScript the page reloads itself every 2 seconds (a <meta> refresh in
// <noscript>, which a link stops). With it, nothing reloads: the page is
// fetched again every 2 seconds and its state, progress and row count
// copied in place, so that keyboard and screen-reader users keep their
// place; only a change of state is announced (its paragraph is the
// role="status" region), not every percent. Once the ingestion has ended
// the page is loaded again, to show the reports.
(function () {
  'use strict';
  var region = document.getElementById('ingest-status');
  if (!region || region.getAttribute('data-running') !== 'true' || !window.fetch || !window.DOMParser) {
    return;
  }
  var url = region.getAttribute('data-poll');
  function copy(next) {
    var fields = next.querySelectorAll('[data-field]');
    for (var i = 0; i < fields.length; i++) {
      var from = fields[i];
      var to = region.querySelector('[data-field="' + from.getAttribute('data-field') + '"]');
      if (!to) { continue; }
      if (to.tagName === 'PROGRESS') { to.value = from.value; }
      if (to.textContent !== from.textContent) { to.textContent = from.textContent; }
      if (to.className !== from.className) { to.className = from.className; }
    }
  }
  function poll() {
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (r) {
        if (!r.ok) { throw new Error('status ' + r.status); }
        return r.text();
      })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, 'text/html').getElementById('ingest-status');
        if (!next || next.getAttribute('data-running') !== 'true') {
          window.location.replace(window.location.pathname);
          return;
        }
        copy(next);
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
}());
