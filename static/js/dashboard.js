/* The dashboard's charts (Apache ECharts, served from static/vendor; no CDN, no inline script).
 * The figures come from the page's json_script "dashboard-data"; every chart has its table in
 * the page. SVG renderer: the charts print and stay sharp at any zoom. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var L = data.labels;
  var COLORS = {
    accepted: "#067647", awaiting_acceptance: "#0e9384", under_construction: "#1570ef",
    awaiting_start: "#7a5af8", surveyed: "#98a2b3", missing: "#eaecf0",
    contracted: "#7a5af8", started: "#1570ef", built: "#0e9384",
    paid: "#067647", batched: "#dc6803", scheduled: "#98a2b3", task: "#d0d5dd", registered: "#b2ccff"
  };
  var FONT = { fontSize: 14, color: "#1f2933" };
  var charts = [];

  function num(v) { return v === null || v === undefined ? 0 : Number(v); }
  function yuan(v) { return num(v).toLocaleString(document.documentElement.lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 }); }
  function wan(v) { return (num(v) / 10000).toLocaleString(document.documentElement.lang, { maximumFractionDigits: 1 }); }

  function draw(id, option, height) {
    var el = document.getElementById(id);
    if (!el) { return; }
    if (height) { el.style.height = height + "px"; }
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    option.textStyle = FONT;
    option.animation = false;
    // A viewBox lets the print stylesheet scale the drawing to the page (ECharts sets only
    // width and height); set again after every redraw.
    chart.on("finished", function () {
      var svg = el.querySelector("svg");
      if (svg) { svg.setAttribute("viewBox", "0 0 " + svg.getAttribute("width") + " " + svg.getAttribute("height")); }
    });
    chart.setOption(option);
    el.setAttribute("data-rendered", "true");
    charts.push(chart);
  }

  function towns() {
    if (!data.bars) { return; }
    var rows = data.bars.towns;
    draw("chart-towns", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, textStyle: FONT },
      grid: { left: 8, right: 84, top: 40, bottom: 28, containLabel: true },
      xAxis: { type: "value", name: L.households, nameLocation: "middle", nameGap: 26, axisLabel: FONT },
      yAxis: { type: "category", inverse: true, data: rows.map(function (t) { return t.name; }), axisLabel: FONT },
      series: data.bars.segments.map(function (seg, i) {
        var last = i === data.bars.segments.length - 1;
        return {
          name: seg.label, type: "bar", stack: "quota", barWidth: 18,
          itemStyle: { color: COLORS[seg.key], borderColor: seg.key === "missing" ? "#98a2b3" : undefined },
          data: rows.map(function (t) { return t[seg.key]; }),
          label: last ? {
            show: true, position: "right", color: "#1f2933",
            formatter: function (p) { var t = rows[p.dataIndex]; return t.accepted + " / " + t.quota; }
          } : { show: false }
        };
      })
    }, 40 + rows.length * 34 + 50);
  }

  function funnel() {
    if (!data.funnel) { return; }
    // A centred-bar funnel: the grey band is the task, the coloured bar the households that
    // reached the stage (cumulative), so equal stages read as equal and a gap shows at once.
    var f = data.funnel;
    var top = Math.max(f.quota, f.cumulative.length ? f.cumulative[0].count : 0, 1);
    var tones = ["#3e4784", "#7a5af8", "#1570ef", "#0e9384", "#067647"];
    draw("chart-funnel", {
      tooltip: { trigger: "item", formatter: function (p) { var c = f.cumulative[p.dataIndex]; return c.label + ": " + c.count + " " + L.households; } },
      grid: { left: 8, right: 8, top: 8, bottom: 8 },
      xAxis: { type: "value", max: top, show: false },
      yAxis: { type: "category", inverse: true, show: false, data: f.cumulative.map(function (c) { return c.label; }) },
      series: [
        { type: "bar", stack: "f", silent: true, itemStyle: { color: "transparent" }, barWidth: "70%",
          data: f.cumulative.map(function (c) { return (top - c.count) / 2; }) },
        { type: "bar", stack: "f", barWidth: "70%",
          showBackground: true, backgroundStyle: { color: "#eaecf0" },
          label: { show: true, position: "inside", color: "#fff", fontSize: 14,
            formatter: function (p) { var c = f.cumulative[p.dataIndex]; return c.label + "  " + c.count + (c.percent !== null ? " · " + c.percent + "%" : ""); } },
          data: f.cumulative.map(function (c, i) {
            // An empty stage shows its label dark on the grey band.
            return { value: c.count, itemStyle: { color: tones[i] }, label: c.count ? {} : { color: "#1f2933" } };
          }) }
      ]
    }, 280);
  }

  function curve() {
    var c = data.curve;
    if (!c || !c.points.length) { return; }
    var keys = ["contracted", "started", "built", "accepted"];
    draw("chart-curve", {
      tooltip: { trigger: "axis" },
      legend: { top: 0, textStyle: FONT },
      grid: { left: 8, right: 24, top: 64, bottom: 8, containLabel: true },
      xAxis: { type: "time", axisLabel: { fontSize: 13, formatter: "{M}/{d}" },
        // Wide enough to show all three deadlines, whatever the first and last recorded day.
        min: function (v) { return Math.min(v.min, Date.parse(c.milestones[0].day) - 3 * 864e5); },
        max: function (v) { return Math.max(v.max, Date.parse(c.milestones[c.milestones.length - 1].day) + 3 * 864e5); } },
      yAxis: { type: "value", name: L.households, max: function (v) { return Math.max(v.max, c.quota); }, axisLabel: FONT },
      dataset: { source: c.points },
      series: c.series.map(function (s, i) {
        var line = {
          name: s.label, type: "line", showSymbol: false, encode: { x: 0, y: i + 1 },
          lineStyle: { width: 3, type: i === 1 ? "dashed" : "solid" }, itemStyle: { color: COLORS[keys[i]] }
        };
        if (i === 0) {
          line.markLine = {
            symbol: "none", silent: true, lineStyle: { type: "dashed", color: "#b42318" },
            label: { formatter: "{b}", color: "#b42318", position: "insideEndTop" },
            data: c.milestones.map(function (m) { return { name: m.label, xAxis: m.day }; })
              .concat([{ name: L.quota + " " + c.quota, yAxis: c.quota, lineStyle: { color: "#616e7c" }, label: { color: "#616e7c", position: "insideMiddleTop" } }])
          };
        }
        return line;
      })
    }, 340);
  }

  function moneySeries(rows) {
    return ["paid", "batched", "scheduled"].map(function (k) {
      return { name: L[k], type: "bar", stack: "money", barMaxWidth: 36, itemStyle: { color: COLORS[k] },
        data: rows.map(function (r) { return num(r[k]); }) };
    });
  }

  function money() {
    var m = data.money;
    if (!m || !m.seasons.length) { return; }
    var tip = { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return yuan(v) + " " + L.yuan; } };
    draw("chart-money-seasons", {
      tooltip: tip, legend: { top: 0, textStyle: FONT },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: m.seasons.map(function (s) { return s.label; }), axisLabel: { fontSize: 12, interval: 0, rotate: 30 } },
      yAxis: { type: "value", name: L.wan_yuan, axisLabel: { formatter: wan } },
      series: moneySeries(m.seasons)
    }, 320);
    if (m.towns.length > 1) {
      draw("chart-money-towns", {
        tooltip: tip, legend: { top: 0, textStyle: FONT },
        grid: { left: 8, right: 24, top: 40, bottom: 28, containLabel: true },
        xAxis: { type: "value", name: L.wan_yuan, nameLocation: "middle", nameGap: 26, axisLabel: { formatter: wan } },
        yAxis: { type: "category", inverse: true, data: m.towns.map(function (t) { return t.label; }), axisLabel: FONT },
        series: moneySeries(m.towns)
      }, 40 + m.towns.length * 30 + 30);
    }
  }

  function villages() {
    // Each village: its plan task beside its accepted households, "accepted / task" at the end.
    var v = data.villages;
    if (!v || !v.length) { return; }
    draw("chart-villages", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, textStyle: FONT },
      grid: { left: 8, right: 72, top: 40, bottom: 28, containLabel: true },
      xAxis: { type: "value", name: L.households, nameLocation: "middle", nameGap: 26, axisLabel: FONT },
      yAxis: { type: "category", inverse: true, data: v.map(function (r) { return r.name; }), axisLabel: FONT },
      series: [
        { name: L.task, type: "bar", barWidth: 9, barGap: "20%", itemStyle: { color: "#98a2b3" },
          data: v.map(function (r) { return num(r.task); }) },
        { name: L.accepted, type: "bar", barWidth: 9, itemStyle: { color: COLORS.accepted },
          data: v.map(function (r) { return r.accepted; }),
          label: { show: true, position: "right", color: "#1f2933",
            formatter: function (p) { var r = v[p.dataIndex]; return r.accepted + " / " + (r.task === null ? "—" : r.task); } } }
      ]
    }, 40 + v.length * 32 + 40);
  }

  [towns, funnel, curve, money, villages].forEach(function (f) { f(); });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  // Printing: open every data table (the table is what prints) and fit the charts to the page.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.chart-data:not([open])").forEach(function (d) { d.open = true; opened.push(d); });
    charts.forEach(function (c) { c.resize(); });
  });
  window.addEventListener("afterprint", function () {
    opened.splice(0).forEach(function (d) { d.open = false; });
    charts.forEach(function (c) { c.resize(); });
  });
}());
