// The kiosk's welcome: print the badge (the browser's print of the PDF, which
// a kiosk browser started with --kiosk-printing sends to its printer without a
// dialog), then return to the start for the next visitor after a few seconds,
// or at once on a touch.
(function () {
  "use strict";
  var main = document.querySelector("main[data-restart-url]");
  var badge = document.getElementById("kiosk-badge");
  if (badge && badge.dataset.autoprint) {
    var printed = false;
    var printBadge = function () {
      if (printed) return;
      printed = true;
      try { badge.contentWindow.focus(); badge.contentWindow.print(); } catch (e) { /* no PDF viewer */ }
    };
    badge.addEventListener("load", printBadge);
    // The frame may have loaded before this deferred script ran.
    try {
      var loaded = badge.contentDocument;
      if (loaded && loaded.readyState === "complete" && loaded.location.href !== "about:blank") { printBadge(); }
    } catch (e) { /* not readable: its load event prints */ }
  }
  if (!main) return;
  var url = main.dataset.restartUrl;
  var seconds = parseInt(main.dataset.restartSeconds, 10) || 8;
  var left = false;
  function restart() {
    if (left) return;
    left = true;
    window.location.replace(url);
  }
  window.setTimeout(restart, seconds * 1000);
  document.addEventListener("pointerdown", restart);
  document.addEventListener("keydown", restart);
})();
