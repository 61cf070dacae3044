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

  // The preview's language buttons sit beside the form (form="…"), so events are watched on the document.
  function fromTheForm(event) {
    return event.target.form === form;
  }
  document.addEventListener("input", function (event) { if (fromTheForm(event)) later(); });
  document.addEventListener("change", function (event) { if (fromTheForm(event)) later(); });

  // Editing one language's content shows that language in the preview.
  form.addEventListener("focusin", function (event) {
    var section = event.target.closest("fieldset[data-language]");
    var choice = section && document.querySelector(
      'input[name="preview_language"][value="' + section.getAttribute("data-language") + '"]'
    );
    if (choice && !choice.checked) {
      choice.checked = true;
      later();
    }
  });
})();
