// The staff dashboard's charts (Apache ECharts, static/vendor/echarts.min.js). The figures and every
// label come from the page: <script type="application/json" id="dashboard-data"> (json_script),
// already in the reader's language. Without JavaScript the tables below the charts say the same.
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var labels = data.labels;
  var font = '"Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif';
  var palette = ["#a31515", "#1f5fa8", "#2e7d32", "#b26a00", "#6a3d9a", "#00838f", "#5d4037", "#c2185b",
    "#455a64", "#827717", "#3949ab"];
  var charts = [];

  function draw(id, option) {
    var element = document.getElementById(id);
    if (!element) { return; }
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    option.color = option.color || palette;
    option.textStyle = { fontFamily: font, fontSize: 14, color: "#1f1f1f" };
    option.animation = false;
    // ECharts' defaults (12 px grey) are too faint to read at 1280 px: the page's ink, 13 px.
    ["xAxis", "yAxis"].forEach(function (axis) {
      option[axis].axisLabel = Object.assign({ fontSize: 13, color: "#333" }, option[axis].axisLabel || {});
    });
    if (option.yAxis.type === "category") {
      // Long names (English ones) wrap instead of running off the card.
      Object.assign(option.yAxis.axisLabel, { width: 150, overflow: "break", lineHeight: 16 });
    }
    if (option.legend) { option.legend.textStyle = { fontSize: 13, color: "#1f1f1f" }; }
    chart.setOption(option);
    charts.push(chart);
  }

  function byCode(list) {
    return list.map(function (item) { return item.name; });
  }

  // Talents per category; the share of the city's total beside the bar where the city has one.
  var categories = data.categories.slice().reverse();
  draw("chart-categories", {
    grid: { left: 8, right: 72, top: 8, bottom: 8, containLabel: true },
    tooltip: {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      formatter: function (params) {
        var c = categories[params[0].dataIndex];
        var escape = window.echarts.format.encodeHTML;  // the tooltip is HTML; names are data
        return escape(c.name) + "<br>" + escape(labels.count) + ": " + c.count +
          (c.share_percent === null ? "" : "<br>" + escape(labels.share) + ": " + c.share_percent + "%");
      }
    },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: byCode(categories), axisTick: { show: false } },
    series: [{
      name: labels.count,
      type: "bar",
      data: categories.map(function (c) { return c.count; }),
      label: {
        show: true,
        position: "right",
        formatter: function (p) {
          var c = categories[p.dataIndex];
          return c.share_percent === null ? String(c.count) : c.count + " (" + c.share_percent + "%)";
        }
      }
    }]
  });

  // Applications by service, one stacked segment per state; the legend wraps above the bars.
  var legendRows = Math.ceil(data.statuses.length / 5);
  draw("chart-applications", {
    grid: { left: 8, right: 16, top: 12 + 26 * legendRows, bottom: 8, containLabel: true },
    legend: { top: 0, itemGap: 12 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: byCode(data.services), inverse: true, axisTick: { show: false } },
    series: data.statuses.map(function (status) {
      return {
        name: status.name,
        type: "bar",
        stack: "applications",
        data: data.services.map(function (s) { return (data.applications[s.code] || {})[status.code] || 0; })
      };
    })
  });

  // Due within two working days and overdue, by service.
  var due = data.services.filter(function (s) { return data.deadlines[s.code]; });
  draw("chart-deadlines", {
    color: ["#b26a00", "#a31515"],
    grid: { left: 8, right: 16, top: 56, bottom: 8, containLabel: true },
    legend: { top: 0 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "category", data: byCode(due), axisLabel: { interval: 0 } },
    yAxis: { type: "value", minInterval: 1 },
    series: ["due_soon", "overdue"].map(function (key) {
      return {
        name: labels[key],
        type: "bar",
        label: { show: true, position: "top" },
        data: due.map(function (s) { return data.deadlines[s.code][key]; })
      };
    })
  });

  // This year's quotas per kind: used and remaining, summed over the enterprises.
  draw("chart-quotas", {
    color: ["#a31515", "#c8c8c8"],
    grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
    legend: { top: 0 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: byCode(data.quotas), inverse: true, axisTick: { show: false } },
    series: [
      { name: labels.used, type: "bar", stack: "quota", label: { show: true },
        data: data.quotas.map(function (q) { return q.used; }) },
      { name: labels.remaining, type: "bar", stack: "quota", label: { show: true, color: "#1f1f1f" },
        data: data.quotas.map(function (q) { return q.total - q.used; }) }
    ]
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
});
