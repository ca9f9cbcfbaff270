// jingzhun: draws the dashboard's trend chart with ECharts (served by the application itself).
(function () {
  var el = document.getElementById("trend");
  if (!el || typeof echarts === "undefined") return;
  var data;
  try { data = JSON.parse(el.dataset.trend); } catch (e) { return; }
  var en = el.dataset.lang === "en";
  var names = en
    ? ["Registered poor", "Exited but unstable", "Marginal", "Sudden hardship", "Median income per person (yuan)"]
    : ["贫困户", "脱贫不稳定户", "边缘易致贫户", "突发严重困难户", "人均纯收入中位数(元)"];
  var years = data.map(function (p) { return String(p.year); });
  var chart = echarts.init(el);
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { type: "scroll", top: 0 },
    grid: { left: 48, right: 56, top: 48, bottom: 28 },
    xAxis: { type: "category", data: years },
    yAxis: [{ type: "value", name: en ? "households" : "户" }, { type: "value", name: en ? "yuan" : "元" }],
    series: [
      { name: names[0], type: "line", data: data.map(function (p) { return p.poor; }) },
      { name: names[1], type: "bar", stack: "m", data: data.map(function (p) { return p.monitored_unstable; }) },
      { name: names[2], type: "bar", stack: "m", data: data.map(function (p) { return p.monitored_marginal; }) },
      { name: names[3], type: "bar", stack: "m", data: data.map(function (p) { return p.monitored_sudden; }) },
      { name: names[4], type: "line", yAxisIndex: 1, data: data.map(function (p) { return p.median_income; }) }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
