// jingzhun: fills the navigation's "待我办理" count (GET /api/v1/cases/todo) on every page of a signed-in
// account. Without JavaScript the link still leads to the filtered inbox.
(function () {
  var link = document.getElementById("nav-todo");
  if (!link || !window.fetch) return;
  fetch("/api/v1/cases/todo", { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (t) {
      if (!t) return;
      var n = document.getElementById("todo-count");
      n.textContent = String(t.count);
      n.hidden = false;
      if (t.count > 0) link.classList.add("has-todo");
    })
    .catch(function () {});
})();
