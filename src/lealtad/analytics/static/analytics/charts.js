// The analytics charts, drawn by the vendored Chart.js from data the page carries as JSON.
//
// The Content-Security-Policy forbids inline script, so a chart is two inert pieces of markup:
//   <canvas data-chart="tiers-data" data-kind="bar" data-format="money"></canvas>
//   {{ tiers|json_script:"tiers-data" }}   ->  {"labels": [...], "datasets": [{"label", "data"}]}
// Kinds: bar, hbar, line, stacked (stacked bars), doughnut; "each": true in the data colours
// every bar by its category. The cohort heat map is a table with
// colour classes chosen on the server (no canvas), and every chart has its numbers in a table.
(function () {
  "use strict";

  var PALETTE = ["#1f6f8b", "#e07a1f", "#3a9d5d", "#b23a48", "#7b5ea7", "#c9a227", "#4d8fcc", "#8c6d46"];

  function formatter(format, lang) {
    if (format === "percent") {
      return function (v) { return new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 }).format(v); };
    }
    var digits = format === "money" ? 2 : 0;
    return function (v) { return new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(v); };
  }

  function readData(id) {
    var block = document.getElementById(id);
    if (!block) return null;
    try { return JSON.parse(block.textContent); } catch (e) { return null; }
  }

  function config(kind, data, format) {
    var lang = document.documentElement.lang || "es";
    var fmt = formatter(format, lang);
    var round = kind === "doughnut";
    // data.each: one colour per category (value tiers keep the doughnut's colours in a bar).
    var perLabel = round || data.each;
    var datasets = (data.datasets || []).map(function (set, i) {
      var colour = perLabel ? data.labels.map(function (_, j) { return PALETTE[j % PALETTE.length]; })
                            : PALETTE[i % PALETTE.length];
      return {
        label: set.label, data: set.data, backgroundColor: colour, borderColor: colour,
        fill: false, tension: 0.2, spanGaps: true
      };
    });
    var options = {
      responsive: true, maintainAspectRatio: false, animation: false,
      plugins: {
        legend: { display: round || datasets.length > 1, position: "bottom" },
        tooltip: { callbacks: { label: function (ctx) {
          var v = ctx.parsed && typeof ctx.parsed === "object" ? (kind === "hbar" ? ctx.parsed.x : ctx.parsed.y) : ctx.parsed;
          return (ctx.dataset.label ? ctx.dataset.label + ": " : "") + fmt(v);
        } } }
      }
    };
    if (!round) {
      var value = { beginAtZero: true, stacked: kind === "stacked", ticks: { callback: function (v) { return fmt(v); } } };
      var category = { stacked: kind === "stacked" };
      options.scales = kind === "hbar" ? { x: value, y: category } : { x: category, y: value };
      if (kind === "hbar") options.indexAxis = "y";
    }
    var type = { bar: "bar", hbar: "bar", stacked: "bar", line: "line", doughnut: "doughnut" }[kind] || "bar";
    return { type: type, data: { labels: data.labels, datasets: datasets }, options: options };
  }

  function draw(root) {
    if (!window.Chart) return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.chartReady) return;
      var data = readData(canvas.dataset.chart);
      if (!data) return;
      canvas.dataset.chartReady = "1";
      var chart = new window.Chart(canvas, config(canvas.dataset.kind || "bar", data, canvas.dataset.format));
      canvas.chart = chart;  // the browser tests read it
    });
  }

  if (window.htmx) {
    window.htmx.onLoad(draw);
  } else {
    document.addEventListener("DOMContentLoaded", function () { draw(document); });
  }
})();
