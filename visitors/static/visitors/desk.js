// The reception desk's keyboard workflow (visitors/templates/visitors/desk/screen.html):
// / search, s scan, n walk-in, ↑ ↓ choose a visit, Enter act on it (arrival,
// departure, or the step it needs first: "Have it signed").
(function () {
  // `settled`: htmx has wired the buttons of the rows last swapped in (20 ms
  // after the swap); a click before that would submit the row's form natively
  // and reload the page instead of registering the arrival.
  var selected = -1, pendingEnter = false, settled = true;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#desk-rows tr[data-visit]")); }
  function mark() { rows().forEach(function (r, i) { r.classList.toggle("selected", i === selected); if (i === selected) r.scrollIntoView({block: "nearest"}); }); }
  document.addEventListener("keydown", function (e) {
    var typing = /INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName);
    // Escape leaves a field, so that the shortcuts work without the mouse.
    if (typing && e.key === "Escape") { document.activeElement.blur(); return; }
    if (!typing && e.key === "/") { e.preventDefault(); document.getElementById("desk-search").focus(); return; }
    if (!typing && e.key === "s") { e.preventDefault(); document.getElementById("desk-scan").focus(); return; }
    if (!typing && e.key === "n") { e.preventDefault(); var w = document.getElementById("walk-in"); w.open = true; w.querySelector("input").focus(); return; }
    // ↑ ↓ and Enter choose and act on a visit from the search field or from no
    // control at all; a list, a button, a link or the scan field keeps its own keys.
    var active = document.activeElement;
    if (active && active !== document.body && active.id !== "desk-search") return;
    var list = rows();
    if (e.key === "ArrowDown" && list.length) { e.preventDefault(); selected = Math.min(selected + 1, list.length - 1); mark(); }
    else if (e.key === "ArrowUp" && list.length) { e.preventDefault(); selected = Math.max(selected - 1, 0); mark(); }
    else if (e.key === "Enter") {
      e.preventDefault();
      // The rows may still be those of an older query (the search waits 150 ms
      // after the last key, then travels): search now and act on its answer,
      // never on a visitor the receptionist did not mean.
      if (!current()) { pendingEnter = true; htmx.trigger("#desk-search", "search"); return; }
      if (!settled) { pendingEnter = true; return; }
      act();
    }
  });
  function current() {
    var shown = document.getElementById("desk-query");
    return !shown || shown.dataset.q === document.getElementById("desk-search").value;
  }
  function act() {
    var list = rows();
    var row = list[selected >= 0 ? selected : 0];
    // A button (arrival, departure) or a link to a step on another page (signing).
    var action = row && row.querySelector("[data-primary]");
    if (action) { action.click(); }
  }
  // Back from a step (signing) taken on another page: its visit is selected,
  // so that Enter registers the arrival.
  var table = document.getElementById("desk-rows");
  if (table && table.dataset.selectedVisit) {
    selected = rows().findIndex(function (r) { return r.dataset.visit === table.dataset.selectedVisit; });
    mark();
  }
  document.body.addEventListener("htmx:afterSettle", function (e) {
    // After settling, not at swap time: htmx has then wired the new buttons.
    if (e.detail.target.id !== "desk-rows") return;
    settled = true;
    if (pendingEnter && current()) { pendingEnter = false; act(); }
  });
  document.body.addEventListener("htmx:beforeRequest", function (e) {
    // An arrival or departure wins over a search still on its way, whose answer
    // would otherwise replace the rows (and the button) under it.
    if (e.detail.elt.closest && e.detail.elt.closest("#desk-rows")) { htmx.trigger("#desk-search", "htmx:abort"); }
  });
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target.id !== "desk-rows") return;
    settled = false;
    selected = -1; mark();
    var badge = document.getElementById("badge-to-print");
    if (badge) { window.open(badge.dataset.url, "_blank"); }
  });
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    // Refusals (409) and form errors (400) carry the refreshed table and the reason.
    // A spent request budget (429) shows its message there until the next refresh.
    if (e.detail.xhr.status === 409 || e.detail.xhr.status === 400 || e.detail.xhr.status === 429) { e.detail.shouldSwap = true; e.detail.isError = false; }
  });
})();
