// Progressive enhancement of the ingestion status page. Without
// JavaScript the page reloads itself every 2 seconds (a <meta> refresh in
// <noscript>, which a link stops). With it, nothing reloads: the status
// region is fetched again every 2 seconds and updated in place, so that
// keyboard and screen-reader users keep their place and hear only the new
// state (the region is aria-live="polite"); once the ingestion has ended,
// the page is loaded again to show the reports.
(function () {
  'use strict';
  var region = document.getElementById('ingest-status');
  if (!region || region.getAttribute('data-running') !== 'true' || !window.fetch || !window.DOMParser) {
    return;
  }
  var url = region.getAttribute('data-poll');
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
        if (next.innerHTML !== region.innerHTML) {
          region.innerHTML = next.innerHTML;
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
}());
