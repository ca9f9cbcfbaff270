// jingzhun: the income survey grid. Enter moves down a row (Tab moves right, as usual); each row's net and
// per-capita income follow what is typed (the server recomputes them on save; these are a convenience).
(function () {
  var grid = document.getElementById("survey-grid");
  if (!grid) return;
  var heads = grid.querySelectorAll("thead th[data-code]");
  var cost = [], counted = [];
  for (var i = 0; i < heads.length; i++) {
    cost.push(heads[i].getAttribute("data-cost") === "1");
    counted.push(heads[i].getAttribute("data-counted") === "1");
  }
  function fen(text) {
    var t = String(text).replace(/[,，\s¥￥元]/g, "");
    if (t === "") return 0;
    if (!/^\d+(\.\d{1,2})?$/.test(t)) return null;
    var parts = t.split(".");
    var f = (parts[1] || "").concat("00").slice(0, 2);
    return parseInt(parts[0] || "0", 10) * 100 + parseInt(f, 10);
  }
  function show(f) {
    var neg = f < 0, a = Math.abs(f), y = Math.floor(a / 100), r = a % 100;
    var s = String(y).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (neg ? "-" : "") + s + (r ? "." + (r < 10 ? "0" : "") + r : "");
  }
  function total(row) {
    var inputs = row.querySelectorAll("input.amount"), net = 0, bad = false;
    for (var i = 0; i < inputs.length; i++) {
      var v = fen(inputs[i].value);
      inputs[i].parentNode.classList.toggle("invalid", v === null);
      if (v === null) { bad = true; continue; }
      if (cost[i]) net -= v; else if (counted[i]) net += v;
    }
    var size = parseInt(row.getAttribute("data-size"), 10) || 1;
    row.querySelector(".net").textContent = bad ? "?" : show(net);
    row.querySelector(".pc").textContent = bad ? "?" : show(Math.round(net / size));
  }
  grid.addEventListener("input", function (e) {
    if (e.target.classList.contains("amount")) total(e.target.closest("tr"));
  });
  grid.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || !e.target.classList.contains("amount")) return;
    e.preventDefault();
    var cell = e.target.closest("td"), row = cell.closest("tr");
    var col = Array.prototype.indexOf.call(row.children, cell);
    var next = e.shiftKey ? row.previousElementSibling : row.nextElementSibling;
    if (!next) return;
    var input = next.children[col] && next.children[col].querySelector("input.amount");
    if (input) { input.focus(); input.select(); }
  });
})();
