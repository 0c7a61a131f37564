// The supervisor's charts (ECharts, served locally). Data: the page's #chart-data JSON.
// Every text at least 14 px (ECharts' default is 12): the project's readability rule.
(function () {
  "use strict";
  var FONT = 14;
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  function label(extra) {
    var out = { fontSize: FONT };
    for (var k in extra || {}) out[k] = extra[k];
    return out;
  }
  ready(function () {
    var holder = document.getElementById("chart-data");
    if (!holder || !window.echarts) return;
    var data = JSON.parse(holder.textContent);
    function percent() {
      return { type: "value", min: 0, max: 100, axisLabel: label({ formatter: "{value}%" }) };
    }
    function draw(id, option) {
      var el = document.getElementById(id);
      if (!el) return;
      option.textStyle = { fontSize: FONT };
      option.title.textStyle = { fontSize: 16 };
      option.tooltip.textStyle = { fontSize: FONT };
      if (option.legend) option.legend.textStyle = { fontSize: FONT };
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option);
      window.addEventListener("resize", function () { chart.resize(); });
    }
    function series(map, type) {
      return Object.keys(map).map(function (name) {
        return { name: name, type: type, data: map[name], connectNulls: false };
      });
    }
    draw("chart-trend", {
      title: { text: "近 12 个月趋势" },
      tooltip: { trigger: "axis" },
      legend: { top: 28, type: "scroll" },
      grid: { top: 72, left: 56, right: 20, bottom: 32 },
      xAxis: { type: "category", data: data.trend.months, axisLabel: label() },
      yAxis: percent(),
      series: series(data.trend.series, "line"),
    });
    if (data.ranking.length) {
      draw("chart-ranking", {
        title: { text: "按时办结率排名" },
        tooltip: {},
        grid: { top: 40, left: 190, right: 30, bottom: 32 },
        xAxis: percent(),
        yAxis: {
          type: "category", inverse: true, axisLabel: label({ interval: 0 }),
          data: data.ranking.map(function (r) { return r.name; }),
        },
        series: [{ type: "bar", data: data.ranking.map(function (r) { return r.value; }) }],
      });
    }
    if (data.tiers.names.length) {
      draw("chart-tiers", {
        title: { text: "按层级分布" },
        tooltip: { trigger: "axis" },
        legend: { top: 28, type: "scroll" },
        grid: { top: 72, left: 56, right: 20, bottom: 32 },
        xAxis: { type: "category", data: data.tiers.names, axisLabel: label() },
        yAxis: percent(),
        series: series(data.tiers.series, "bar"),
      });
    }
  });
})();
