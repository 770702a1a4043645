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
    // A table wider than the screen scrolls in its .scroll box: the box takes keyboard focus
    // so arrow keys scroll it (WCAG 2.1.1; axe's scrollable-region-focusable).
    root.querySelectorAll(".scroll").forEach(function (box) {
      if (!box.hasAttribute("tabindex")) box.setAttribute("tabindex", "0");
    });
    // <span data-bar="42">: a bar 42% wide (the review queue's weights).
    root.querySelectorAll("[data-bar]").forEach(function (bar) {
      var width = Math.max(0, Math.min(100, parseInt(bar.dataset.bar, 10) || 0));
      bar.style.width = width + "%";
    });
  }

  // <input data-arrows="#results a[data-row]">: Down and Up move between the input and those
  // links (the customer search's results), so a clerk never needs the mouse.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    var input = document.querySelector("input[data-arrows]");
    if (!input) return;
    var links = Array.prototype.slice.call(document.querySelectorAll(input.dataset.arrows));
    var at = event.target === input ? -1 : links.indexOf(event.target);
    if (at === -1 && event.target !== input) return;
    var next = at + (event.key === "ArrowDown" ? 1 : -1);
    if (next >= links.length) return;
    event.preventDefault();
    (next < 0 ? input : links[next]).focus();
  });

  if (window.htmx) {
    window.htmx.onLoad(setUp);
  } else {
    document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  }
})();
