// Lealtad's small page behaviours, kept out of the templates so the Content-Security-Policy
// can forbid inline script. htmx.onLoad runs for the page and for every fragment htmx swaps in.
(function () {
  "use strict";

  function setUp(root) {
    // <select data-autosubmit>: choosing an option submits its form (the store picker).
    root.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      if (select.dataset.autosubmitReady) return;
      select.dataset.autosubmitReady = "1";
      select.addEventListener("change", function () {
        if (select.form) select.form.submit();
      });
    });
    // <span data-bar="42">: a bar 42% wide (the review queue's weights).
    root.querySelectorAll("[data-bar]").forEach(function (bar) {
      var width = Math.max(0, Math.min(100, parseInt(bar.dataset.bar, 10) || 0));
      bar.style.width = width + "%";
    });
  }

  if (window.htmx) {
    window.htmx.onLoad(setUp);
  } else {
    document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  }
})();
