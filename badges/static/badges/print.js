// Open the print dialog once the badge PDF is loaded (after an arrival, or a
// reprint): the iframe says so with data-autoprint.
(function () {
  "use strict";
  var frame = document.getElementById("badge-pdf");
  if (!frame || !frame.dataset.autoprint) return;
  frame.addEventListener("load", function () {
    setTimeout(function () {
      try {
        frame.contentWindow.focus();
        frame.contentWindow.print();
      } catch (e) {
        // A browser without a PDF viewer in frames: the Print button remains.
      }
    }, 300);
  });
})();
