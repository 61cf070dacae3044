// Live preview of a flow step: as the editor types, the form is posted as a preview (nothing is
// saved) and the rendered email replaces the preview pane. Without JavaScript the "Preview with
// a sample order" button does the same with a page reload.
(function () {
  "use strict";
  var form = document.querySelector("form[data-live-preview]");
  var pane = document.getElementById("preview-pane");
  if (!form || !pane || !window.fetch) return;
  var timer = null;
  var inFlight = null;

  function refresh() {
    var data = new FormData(form);
    data.set("action", "preview");
    if (inFlight) inFlight.abort();
    inFlight = new AbortController();
    fetch(form.getAttribute("action") || window.location.href, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Preview-Fragment": "1" },
      signal: inFlight.signal,
    })
      .then(function (response) { return response.text(); })
      .then(function (html) { pane.innerHTML = html; })
      .catch(function () { /* aborted by a newer keystroke, or offline: keep the last preview */ });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
