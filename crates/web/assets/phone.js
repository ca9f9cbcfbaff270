// jingzhun: pages on a phone. Everything works without this script; it only helps on narrow screens.
// * Lists (table.list) become stacked cards under 600 px (style.css): each cell is labelled with its
//   column's heading, taken from the table's <thead> when the template did not label it.
// * The household page's sections (details.section) fold on a phone, except those marked
//   data-keep-open and the one the address points at (#attachments, #assistance…), which opens when a
//   link or a redirect targets it.
(function () {
  "use strict";
  var phone = window.matchMedia("(max-width: 600px)");

  function labelCells() {
    var tables = document.querySelectorAll("table.list");
    for (var t = 0; t < tables.length; t++) {
      var heads = tables[t].querySelectorAll("thead th");
      if (!heads.length) continue;
      var rows = tables[t].querySelectorAll("tbody tr");
      for (var r = 0; r < rows.length; r++) {
        var cells = rows[r].children;
        for (var c = 0; c < cells.length && c < heads.length; c++) {
          if (!cells[c].hasAttribute("data-label")) {
            cells[c].setAttribute("data-label", heads[c].textContent.trim());
          }
        }
      }
    }
  }

  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (!id) return;
    var el = document.getElementById(id);
    if (!el) return;
    var d = el.closest ? el.closest("details") : null;
    while (d) {
      d.open = true;
      d = d.parentElement ? d.parentElement.closest("details") : null;
    }
    el.scrollIntoView();
  }

  function foldSections() {
    if (!phone.matches) return;
    var sections = document.querySelectorAll("details.section");
    for (var i = 0; i < sections.length; i++) {
      if (!sections[i].hasAttribute("data-keep-open")) sections[i].open = false;
    }
  }

  function start() {
    labelCells();
    foldSections();
    openTarget();
    window.addEventListener("hashchange", openTarget);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
