// The project's Gantt chart (ECharts, served locally; CSP: no inline script). Data: the JSON at the
// chart's data-url (projects.selectors.gantt_data). Horizontal bar stacks on a date axis: a
// transparent bar up to the start, then the planned bar (light, red border on the critical path)
// and the actual bar (coloured by the item's light); a vertical line marks today.
(function () {
  "use strict";
  var FONT = 14;
  var DAY = 86400000;
  var COLOURS = { green: "#2e7d32", yellow: "#b26a00", red: "#c62828" };
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  function ms(iso) {
    return iso ? Date.parse(iso + "T00:00:00Z") : null;
  }
  function fmt(value) {
    var d = new Date(value);
    return d.getUTCFullYear() + "-" + String(d.getUTCMonth() + 1).padStart(2, "0") + "-" + String(d.getUTCDate()).padStart(2, "0");
  }
  function draw(el, data) {
    var items = data.items.slice().reverse(); // the first item at the top
    var names = items.map(function (i) { return i.stage + " · " + i.name; });
    var today = ms(data.today);
    var lo = Infinity;
    var hi = -Infinity;
    items.forEach(function (i) {
      [i.planned_start, i.planned_end, i.actual_start, i.actual_end].forEach(function (d) {
        var v = ms(d);
        if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      });
    });
    lo = Math.min(lo, today) - 2 * DAY;
    hi = Math.max(hi, today) + 2 * DAY;
    function offset(start) { return start === null ? 0 : start - lo; }
    function length(start, end) { return start === null || end === null ? 0 : Math.max(end - start, DAY / 2); }
    var planOffset = items.map(function (i) { return offset(ms(i.planned_start)); });
    var plan = items.map(function (i) {
      return {
        value: length(ms(i.planned_start), ms(i.planned_end)),
        itemStyle: i.critical ? { color: "#c9d6ea", borderColor: "#c62828", borderWidth: 2 } : { color: "#c9d6ea" },
        item: i
      };
    });
    var actualOffset = items.map(function (i) { return offset(ms(i.actual_start)); });
    var actual = items.map(function (i) {
      return { value: length(ms(i.actual_start), ms(i.actual_end)), itemStyle: { color: COLOURS[i.light] || COLOURS.green }, item: i };
    });
    el.style.height = Math.max(240, items.length * 34 + 80) + "px";
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    var hidden = { color: "transparent" };
    chart.setOption({
      textStyle: { fontSize: FONT },
      animation: false,
      grid: { left: 260, right: 30, top: 40, bottom: 30 },
      legend: { data: ["计划", "实际"], textStyle: { fontSize: FONT } },
      tooltip: {
        textStyle: { fontSize: FONT },
        formatter: function (p) {
          var i = p.data && p.data.item;
          if (!i) return "";
          return i.name + "<br>" + i.department + " · " + i.status_label +
            "<br>计划 " + (i.planned_start || "—") + " 至 " + (i.planned_end || "—") +
            "<br>实际 " + (i.actual_start || "—") + " 至 " + (i.actual_end || "—") +
            (i.due ? "<br>期限 " + i.due : "") + (i.critical ? "<br>关键路径" : "");
        }
      },
      xAxis: {
        type: "value", min: 0, max: hi - lo, position: "top",
        axisLabel: { fontSize: FONT, formatter: function (v) { return fmt(v + lo).slice(5); } }
      },
      yAxis: { type: "category", data: names, axisLabel: { fontSize: FONT, width: 240, overflow: "truncate" } },
      series: [
        { type: "bar", stack: "plan", data: planOffset, itemStyle: hidden, silent: true, barWidth: 10 },
        {
          name: "计划", type: "bar", stack: "plan", data: plan, barWidth: 10, itemStyle: { color: "#c9d6ea" },
          markLine: {
            symbol: "none", silent: true, lineStyle: { color: "#c62828", type: "dashed" },
            label: { formatter: "今天", fontSize: FONT }, data: [{ xAxis: today - lo }]
          }
        },
        { type: "bar", stack: "actual", data: actualOffset, itemStyle: hidden, silent: true, barWidth: 10 },
        { name: "实际", type: "bar", stack: "actual", data: actual, barWidth: 10, itemStyle: { color: COLOURS.green } }
      ]
    });
    el.setAttribute("data-drawn", String(items.length));
  }
  ready(function () {
    var el = document.getElementById("gantt");
    if (!el || !window.echarts) return;
    fetch(el.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) { draw(el, data); });
  });
})();
