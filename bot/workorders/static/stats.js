// Work-order statistics for administrators: GET /desk/api/workorders/stats?days=N.
// Text only via textContent.
(function () {
  "use strict";
  var D = window.Desk;
  var el = D.el;
  var $ = function (id) { return document.getElementById(id); };

  function percent(p) { return p === null || p === undefined ? "—" : (p * 100).toFixed(1) + "%"; }
  function num(value, className) { return el("td", "num" + (className ? " " + className : ""), value); }

  function countRows(id, rows, key) {
    var body = $(id);
    body.textContent = "";
    if (!rows.length) {
      var tr = el("tr");
      var td = el("td", "empty", "暂无工单");
      td.colSpan = 6;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    rows.forEach(function (r) {
      var tr = el("tr");
      tr.appendChild(el("td", "", r[key]));
      tr.appendChild(num(r.total));
      tr.appendChild(num(r.open));
      tr.appendChild(num(r.overdue, r.overdue ? "late" : ""));
      tr.appendChild(num(r["办结"]));
      tr.appendChild(num(r["退回"]));
      body.appendChild(tr);
    });
  }

  function load() {
    var days = $("days").value;
    return D.api("GET", "/desk/api/workorders/stats" + (days ? "?days=" + encodeURIComponent(days) : ""))
      .then(function (data) {
        var r = data.router;
        $("r-routed").textContent = String(r.auto_routed);
        $("r-rerouted").textContent = String(r.rerouted);
        $("r-accuracy").textContent = percent(r.accuracy);
        $("r-triaged").textContent = String(r.triaged);
        $("r-waiting").textContent = String(r.triage_waiting);
        $("r-guess").textContent = r.triage_decided ? percent(r.triage_guess_accuracy) + "（" + r.triage_guess_right + "/" + r.triage_decided + "）" : "—";
        var body = $("router-rows");
        body.textContent = "";
        r.per_department.forEach(function (row) {
          var tr = el("tr");
          tr.appendChild(el("td", "", row.department));
          tr.appendChild(num(row.routed));
          tr.appendChild(num(row.rerouted));
          tr.appendChild(num(percent(row.accuracy)));
          body.appendChild(tr);
        });
        countRows("category-rows", data.counts.by_category, "category");
        countRows("department-rows", data.counts.by_department, "department");
      }, function () { /* shown by the helper */ });
  }

  function start(user) {
    D.setupHeader(user);
    $("days").addEventListener("change", load);
    $("refresh").addEventListener("click", function () { load().then(function () { D.status("已刷新", "ok"); }); });
    load();
  }

  D.loadMe().then(start, function () { /* 401 → login page */ });
})();
