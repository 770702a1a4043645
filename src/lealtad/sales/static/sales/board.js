// The pipeline board's drag and drop. A drop does what the card's own "Move to" menu does: it
// picks the column's stage in the card's form and submits it (htmx posts it and swaps the
// redrawn board in). Listeners sit on the document, so a swapped-in board needs no rewiring;
// no inline script (Content-Security-Policy).
(function () {
  "use strict";

  var dragged = null;

  function columnOf(node) {
    return node && node.closest ? node.closest(".column[data-stage]") : null;
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".oppcard[draggable=true]");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-opportunity"));
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll(".column.dropping").forEach(function (c) { c.classList.remove("dropping"); });
  });

  document.addEventListener("dragover", function (event) {
    var column = columnOf(event.target);
    if (!column || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    column.classList.add("dropping");
  });

  document.addEventListener("dragleave", function (event) {
    var column = columnOf(event.target);
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("dropping");
  });

  document.addEventListener("drop", function (event) {
    var column = columnOf(event.target);
    if (!column || !dragged) return;
    event.preventDefault();
    column.classList.remove("dropping");
    var form = dragged.querySelector("form.moveform");
    var select = form && form.querySelector("select[name=stage]");
    var stage = column.getAttribute("data-stage");
    if (!select || select.value === stage) return;
    select.value = stage;
    form.requestSubmit();
  });
})();
