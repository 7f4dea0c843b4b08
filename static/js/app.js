// Behaviour shared by every page, wired from data-* attributes: the pages carry
// no inline script (the Content-Security-Policy allows scripts from files only).
//   data-autosubmit            a <select> that sends its form when changed
//   data-print                 a button that prints the page
//   data-print-frame="ID"      a button that prints the document in iframe ID
//   data-reset-after="always"  an htmx form emptied after each answer
//   data-reset-after="ok"      ... after a 200 answer only
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("select[data-autosubmit]") && field.form) {
      field.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print], [data-print-frame]");
    if (!button) return;
    var frameId = button.getAttribute("data-print-frame");
    if (frameId) {
      var frame = document.getElementById(frameId);
      if (frame && frame.contentWindow) {
        frame.contentWindow.focus();
        frame.contentWindow.print();
      }
    } else {
      window.print();
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail && event.detail.elt;
    if (!form || !form.matches || !form.matches("form[data-reset-after]")) return;
    if (form.getAttribute("data-reset-after") === "ok" && event.detail.xhr.status !== 200) return;
    form.reset();
  });
})();
