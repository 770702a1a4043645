// Live screens over Server-Sent Events (lealtad.core.live), with no inline script (CSP).
//
// <div data-live-src="/stream/" data-live-after="123" data-live-events="contact state">:
// opens an EventSource from the journal id the page was rendered at; each named event carries
// HTML whose top-level elements replace the element with the same id, or are appended to the
// container their data-live-into names, or remove it (data-live-remove). htmx attributes in a
// fragment are processed. "resync" (the page fell too far behind) reloads the page.
(function () {
  "use strict";

  var clocks = [];

  function now() { return performance.timeOrigin + performance.now(); }

  function apply(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    Array.prototype.slice.call(template.content.children).forEach(function (el) {
      var old = el.id ? document.getElementById(el.id) : null;
      if (el.hasAttribute("data-live-remove")) {
        if (old) old.remove();
        return;
      }
      if (old) {
        if (old.contains(document.activeElement) && old.dataset.status === el.dataset.status &&
            el.dataset.status === "wrap_up") {
          return; // the agent is typing the wrap-up: an identical panel must not wipe it
        }
        old.replaceWith(el);
      } else {
        var into = el.dataset.liveInto ? document.querySelector(el.dataset.liveInto) : null;
        if (!into) return;
        into.appendChild(el);
      }
      if (window.htmx) window.htmx.process(el);
      setUp(el);
      // When the new part is on screen (the benchmark reads it: offer committed -> painted).
      requestAnimationFrame(function () { el.dataset.paintedAt = String(now()); });
    });
  }

  function connect(root) {
    var url = root.dataset.liveSrc;
    var last = root.dataset.liveAfter || "";
    var names = (root.dataset.liveEvents || "").split(/\s+/).filter(Boolean);
    var status = root.querySelector("[data-live-status]");
    function open() {
      var sep = url.indexOf("?") < 0 ? "?" : "&";
      var source = new EventSource(last ? url + sep + "after=" + encodeURIComponent(last) : url);
      names.forEach(function (name) {
        source.addEventListener(name, function (event) {
          if (event.lastEventId) last = event.lastEventId;
          apply(event.data);
          root.dataset.liveLast = last;
        });
      });
      source.addEventListener("resync", function () { window.location.reload(); });
      source.addEventListener("open", function () {
        root.dataset.liveOpen = "1";
        if (status) status.classList.remove("cc-offline");
      });
      source.addEventListener("error", function () {
        root.dataset.liveOpen = "";
        if (status) status.classList.add("cc-offline");
        // A 503 (the server's stream cap) or a 4xx closes it for good: try again later.
        if (source.readyState === EventSource.CLOSED) {
          setTimeout(open, 3000 + Math.random() * 4000);
        }
      });
    }
    open();
  }

  function twoDigits(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    var t = Date.now() / 1000;
    clocks = clocks.filter(function (el) { return el.isConnected; });
    clocks.forEach(function (el) {
      var since = parseFloat(el.dataset.since);
      var seconds = Math.max(0, Math.floor(t - since));
      var text = Math.floor(seconds / 60) + ":" + twoDigits(seconds % 60);
      var out = el.querySelector(".cc-clock") || el;
      out.textContent = text;
      if (el.dataset.deadline) el.classList.toggle("cc-late", t > parseFloat(el.dataset.deadline));
    });
  }

  function setUp(root) {
    root.querySelectorAll("[data-since]").forEach(function (el) {
      if (clocks.indexOf(el) < 0) clocks.push(el);
    });
    if (root.matches && root.matches("[data-since]") && clocks.indexOf(root) < 0) clocks.push(root);
    tick();
  }

  // A refused control (409, 422) answers the panel with the reason: show it, as on success.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if ((status === 409 || status === 422 || status === 404) &&
        event.detail.target.closest(".cc-desktop")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    setUp(document);
    document.querySelectorAll("[data-live-src]").forEach(connect);
    setInterval(tick, 1000);
  });
})();
