// Analytics: the period's summary, charts (ECharts, from npm via /vendor/echarts.min.js) and the
// tables behind them, each with its CSV. Uses /admin/api/analytics (bot/analytics/api.py).
// Text is only ever set with textContent; chart labels are plain text options.
(function () {
  "use strict";
  var D = window.Desk;
  var el = D.el;
  var $ = function (id) { return document.getElementById(id); };
  var charts = {};

  var COLUMNS = {
    daily: [["date", "日期"], ["conversations", "会话数"], ["messages", "消息数"], ["fallback_rate", "未理解率", "rate"],
            ["handoffs", "转人工会话"], ["handoff_rate", "转人工率", "rate"], ["median_wait_seconds", "等待中位数", "seconds"]],
    services: [["service", "事项"], ["messages", "消息数"], ["conversations", "会话数"]],
    intents: [["intent", "意图"], ["messages", "消息数"], ["share", "占比", "rate"]],
    satisfaction_levels: [["name", "评价"], ["ratings", "评价数"], ["share", "占比", "rate"]],
    satisfaction_services: [["service", "评价对象"], ["ratings", "评价数"], ["satisfaction_rate", "满意率", "rate"],
                            ["mean_level", "平均分"], ["bad", "差评"]]
  };

  function pad(n) { return n < 10 ? "0" + n : String(n); }
  // today in Asia/Shanghai, whatever the browser's zone
  function shanghaiDay(offsetDays) {
    var d = new Date(Date.now() + 8 * 3600 * 1000 - (offsetDays || 0) * 86400 * 1000);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate());
  }

  function format(value, kind) {
    if (value === null || value === undefined) { return "—"; }
    if (kind === "rate") { return (value * 100).toFixed(1) + "%"; }
    if (kind === "seconds") { return D.duration(value); }
    return String(value);
  }

  function fillTable(name, rows) {
    var table = $("table-" + name);
    table.textContent = "";
    var head = el("thead");
    var tr = el("tr");
    COLUMNS[name].forEach(function (c) { var th = el("th", "", c[1]); th.scope = "col"; tr.appendChild(th); });
    head.appendChild(tr);
    table.appendChild(head);
    var body = el("tbody");
    if (!rows.length) {
      var empty = el("tr");
      var td = el("td", "muted", "这段时间没有数据");
      td.colSpan = COLUMNS[name].length;
      empty.appendChild(td);
      body.appendChild(empty);
    }
    rows.forEach(function (r) {
      var row = el("tr");
      COLUMNS[name].forEach(function (c) { row.appendChild(el("td", c[0], format(r[c[0]], c[2]))); });
      body.appendChild(row);
    });
    table.appendChild(body);
  }

  function chart(id, option) {
    if (!window.echarts) { return; }
    if (!charts[id]) { charts[id] = window.echarts.init($(id), null, { renderer: "canvas" }); }
    charts[id].setOption(option, true);
  }

  function bars(id, rows, label, value, name, percent) {
    var top = rows.slice(0, 10).reverse();
    chart(id, {
      grid: { left: 150, right: 30, top: 10, bottom: 30 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", max: percent ? 1 : null, axisLabel: percent ? { formatter: function (v) { return Math.round(v * 100) + "%"; } } : {} },
      yAxis: { type: "category", data: top.map(function (r) { return r[label]; }), axisLabel: { width: 140, overflow: "truncate" } },
      series: [{ name: name, type: "bar", data: top.map(function (r) { return r[value]; }) }]
    });
  }

  function draw(report) {
    var days = report.daily.map(function (r) { return r.date.slice(5); });
    chart("chart-daily", {
      tooltip: { trigger: "axis" }, legend: { data: ["会话数", "消息数"] },
      grid: { left: 50, right: 20, top: 35, bottom: 30 },
      xAxis: { type: "category", data: days }, yAxis: { type: "value", minInterval: 1 },
      series: [{ name: "会话数", type: "line", data: report.daily.map(function (r) { return r.conversations; }) },
               { name: "消息数", type: "line", data: report.daily.map(function (r) { return r.messages; }) }]
    });
    chart("chart-rates", {
      tooltip: { trigger: "axis" }, legend: { data: ["未理解率", "转人工率"] },
      grid: { left: 50, right: 20, top: 35, bottom: 30 },
      xAxis: { type: "category", data: days },
      yAxis: { type: "value", axisLabel: { formatter: function (v) { return Math.round(v * 100) + "%"; } } },
      series: [{ name: "未理解率", type: "line", data: report.daily.map(function (r) { return r.fallback_rate; }) },
               { name: "转人工率", type: "line", data: report.daily.map(function (r) { return r.handoff_rate; }) }]
    });
    bars("chart-services", report.services, "service", "messages", "消息数");
    bars("chart-intents", report.intents, "intent", "messages", "消息数");
    chart("chart-levels", {
      tooltip: { trigger: "item" },
      series: [{ name: "评价", type: "pie", radius: ["35%", "65%"],
                 data: report.satisfaction_levels.filter(function (r) { return r.ratings; })
                   .map(function (r) { return { name: r.name, value: r.ratings }; }) }]
    });
    bars("chart-by-service", report.satisfaction_services, "service", "satisfaction_rate", "满意率", true);
  }

  function summary(s) {
    var list = $("summary");
    list.textContent = "";
    $("summary-period").textContent = s.first + " 至 " + s.last;
    [["会话数", s.conversations], ["消息数", s.messages], ["未理解率", format(s.fallback_rate, "rate")],
     ["转人工率", format(s.handoff_rate, "rate")], ["等待时长中位数", format(s.median_wait_seconds, "seconds")],
     ["未接入的转人工", s.unclaimed], ["评价数", s.ratings], ["满意率", format(s.satisfaction_rate, "rate")]
    ].forEach(function (kv) {
      var card = el("div", "card");
      card.appendChild(el("dt", "", kv[0]));
      card.appendChild(el("dd", "", String(kv[1])));
      list.appendChild(card);
    });
  }

  function query() {
    return "from=" + encodeURIComponent($("period-from").value) + "&to=" + encodeURIComponent($("period-to").value);
  }

  function load() {
    $("period-run").disabled = true;
    return D.api("GET", "/admin/api/analytics?" + query()).then(function (report) {
      summary(report.summary);
      Object.keys(COLUMNS).forEach(function (name) { fillTable(name, report[name]); });
      document.querySelectorAll("a.csv").forEach(function (a) {
        a.href = "/admin/api/analytics/" + a.dataset.table + ".csv?" + query();
        a.setAttribute("download", "");
      });
      draw(report);
    }, function () { /* shown */ }).then(function () { $("period-run").disabled = false; });
  }

  function last(days) {
    $("period-from").value = shanghaiDay(days - 1);
    $("period-to").value = shanghaiDay(0);
    load();
  }

  function start(user) {
    D.setupHeader(user);
    $("period-form").addEventListener("submit", function (e) { e.preventDefault(); load(); });
    $("period-7").addEventListener("click", function () { last(7); });
    $("period-30").addEventListener("click", function () { last(30); });
    window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
    var params = new URLSearchParams(window.location.search);
    $("period-from").value = params.get("from") || shanghaiDay(6);
    $("period-to").value = params.get("to") || shanghaiDay(0);
    load();
  }

  D.loadMe().then(start, function () { /* 401 → login page */ });
})();
