/* Leadership dashboard: draws the ECharts charts from the page's json_script data.
 *
 * Every chart box ([data-chart]) is hidden until it is drawn; the HTML lists and bars next
 * to it (.dash-fallback) stay for readers without JavaScript and are hidden once the chart
 * is there. Labels come translated from the server.
 */
(function () {
  "use strict";

  var PALETTE = ["#1f4e79", "#c8102e", "#2e8b57", "#d08c00", "#6f42c1", "#0c7c8c"];

  function autosubmitYear() {
    document.querySelectorAll("[data-dash-autosubmit]").forEach(function (form) {
      var select = form.querySelector("select");
      var button = form.querySelector("button[type=submit]");
      if (button) {
        button.classList.add("visually-hidden");
      }
      select.addEventListener("change", function () {
        form.submit();
      });
    });
  }

  function yuan(value) {
    return "¥" + Number(value).toLocaleString("zh-CN", {
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    });
  }

  function percentAxis() {
    return { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } };
  }

  function rankingBars(items, seriesName) {
    return {
      color: PALETTE,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: {
        type: "category",
        inverse: true,
        data: items.map(function (item) { return item.name; }),
        axisLabel: { width: 140, overflow: "truncate" },
      },
      series: [{
        name: seriesName,
        type: "bar",
        data: items.map(function (item) { return item.value; }),
        label: { show: true, position: "right" },
        barMaxWidth: 22,
      }],
    };
  }

  function builders(data) {
    var labels = data.labels;
    return {
      areas: function () {
        return {
          color: PALETTE,
          tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } },
          grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
          xAxis: {
            type: "category",
            data: data.areas.map(function (a) { return a.name; }),
            axisLabel: { interval: 0 },
          },
          yAxis: percentAxis(),
          series: [{
            name: labels.progress,
            type: "bar",
            data: data.areas.map(function (a) { return a.value; }),
            label: { show: true, position: "top", formatter: "{c}%" },
            barMaxWidth: 48,
            colorBy: "data",
          }],
        };
      },
      trend: function () {
        return {
          color: PALETTE,
          tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
          legend: { type: "scroll", top: 0 },
          grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
          xAxis: {
            type: "category",
            boundaryGap: false,
            data: data.trend.reports,
            axisLabel: { formatter: function (moment) { return moment.slice(0, 10); } },
          },
          yAxis: percentAxis(),
          series: data.trend.series.map(function (s, index) {
            return {
              name: s.name,
              type: "line",
              connectNulls: true,
              symbolSize: index === 0 ? 8 : 5,
              lineStyle: { width: index === 0 ? 3 : 1.5 },
              data: s.data.map(function (point) { return point[1]; }),
            };
          }),
        };
      },
      branches: function () {
        return rankingBars(data.contributions.branches, labels.records);
      },
      units: function () {
        return rankingBars(data.contributions.units, labels.records);
      },
      pipeline: function () {
        return rankingBars(data.pipeline, labels.applications);
      },
      money: function () {
        return {
          color: [PALETTE[0], "#b7c7d9"],
          tooltip: { trigger: "item", valueFormatter: yuan },
          legend: { bottom: 0 },
          series: [{
            type: "pie",
            radius: ["45%", "70%"],
            center: ["50%", "45%"],
            label: { show: false },
            data: data.pool.money,
          }],
        };
      },
      awards: function () {
        return {
          color: [PALETTE[3], PALETTE[0], PALETTE[2]],
          tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
          grid: { left: 8, right: 8, top: 24, bottom: 8, containLabel: true },
          xAxis: {
            type: "category",
            data: data.pool.awards.map(function (a) { return a.name; }),
            axisLabel: { interval: 0 },
          },
          yAxis: { type: "value", minInterval: 1 },
          series: [{
            name: labels.awards,
            type: "bar",
            colorBy: "data",
            barMaxWidth: 36,
            label: { show: true, position: "top" },
            data: data.pool.awards.map(function (a) { return a.value; }),
          }],
        };
      },
    };
  }

  function drawCharts() {
    var source = document.getElementById("dashboard-data");
    if (!source || typeof window.echarts === "undefined") {
      return;
    }
    var options = builders(JSON.parse(source.textContent));
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (box) {
      var build = options[box.dataset.chart];
      if (!build) {
        return;
      }
      box.classList.remove("d-none");
      var chart = window.echarts.init(box, null, { renderer: "canvas" });
      chart.setOption(build());
      charts.push(chart);
      box.closest(".card-body").querySelectorAll(".dash-fallback").forEach(function (fallback) {
        fallback.classList.add("d-none");
      });
    });
    if (typeof ResizeObserver !== "undefined") {
      var observer = new ResizeObserver(function () {
        charts.forEach(function (chart) { chart.resize(); });
      });
      charts.forEach(function (chart) { observer.observe(chart.getDom()); });
    } else {
      window.addEventListener("resize", function () {
        charts.forEach(function (chart) { chart.resize(); });
      });
    }
  }

  autosubmitYear();
  drawCharts();
})();
