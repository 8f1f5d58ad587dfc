// The model console: the active version and what the running assistant uses, training with its progress
// and log, the versions with their held-out figures beside the active one's, activation (with the gate
// and forced activation with a reason) and rollback. Uses /admin/api/models (bot/models/api.py).
// Text is only ever set with textContent.
(function () {
  "use strict";
  var D = window.Desk;
  var el = D.el;
  var API = "/admin/api/models";
  var $ = function (id) { return document.getElementById(id); };
  var STATES = { ready: "可启用", queued: "排队中", training: "训练中", evaluating: "评估中", failed: "训练失败",
    interrupted: "已中断" };
  var overview = null;
  var shown = null;  // the version whose details are open
  var timer = null;

  function f1(value) { return typeof value === "number" ? value.toFixed(3) : "—"; }

  function points(value, base) {
    if (typeof value !== "number" || typeof base !== "number") { return { text: "—", cls: "" }; }
    var diff = (value - base) * 100;
    var text = (diff > 0 ? "+" : "") + diff.toFixed(1) + " 个百分点";
    return { text: text, cls: diff > 0.05 ? "up" : (diff < -0.05 ? "down" : "") };
  }

  function activeF1() {
    var active = overview && overview.versions.filter(function (v) { return v.active; })[0];
    return active ? active.macro_f1 : null;
  }

  function button(text, className, label, handler) {
    var b = el("button", className, text);
    b.type = "button";
    if (label) { b.setAttribute("aria-label", label); }
    b.addEventListener("click", function () { handler(b); });
    return b;
  }

  // -- overview -------------------------------------------------------------------------------
  function load() {
    window.clearTimeout(timer);
    return D.api("GET", API).then(function (data) {
      overview = data;
      renderCurrent(data);
      renderTraining(data.training);
      renderVersions(data);
      var busy = data.training.running || data.serving.some(function (s) {
        return s.state === "switching" || s.version !== data.active;
      });
      timer = window.setTimeout(load, busy ? 2000 : 10000);
      if (data.training.running || $("train-log-box").open) { loadLog(); }
    }, function () { timer = window.setTimeout(load, 10000); });
  }

  function renderCurrent(data) {
    $("active-version").textContent = data.active || "没有已登记的版本";
    var active = data.versions.filter(function (v) { return v.active; })[0];
    $("active-figures").textContent = active ? "macro-F1 " + f1(active.macro_f1) + " · " + D.dateTime(active.created) +
      (active.by ? " · " + active.by : "") : "";
    $("gate-points").textContent = String(data.gate_points);
    var rollback = $("rollback");
    rollback.hidden = !data.rollback_to;
    rollback.textContent = data.rollback_to ? "回滚到上一个版本 " + data.rollback_to : "回滚";
    var serving = $("serving");
    serving.className = "serving";
    if (!data.serving.length) {
      serving.textContent = "没有运行中的助手在跟随模型版本：启用的版本在助手下次启动时生效。";
      return;
    }
    serving.textContent = data.serving.map(function (s) {
      var who = s.profile === "scaled" ? "扩展部署" : "助手";
      if (s.state === "switching") {
        serving.className = "serving switching";
        return who + "正在加载版本 " + (s.target || "") + "，加载好后切换（期间照常回答）…";
      }
      if (s.state === "failed") {
        serving.className = "serving failed";
        return who + "未能切换到 " + (s.target || "") + "：" + (s.error || "原因不明") + "；仍在使用 " + (s.version || "原来的模型");
      }
      if (s.version !== data.active) {
        serving.className = "serving switching";
        return who + "正在使用 " + (s.version || "未登记的模型") + "，即将切换到 " + data.active;
      }
      return who + "正在使用 " + s.version;
    }).join("；");
  }

  function renderTraining(t) {
    $("train").disabled = !!t.running;
    $("train-message").textContent = t.message || "";
    var bar = $("train-progress");
    var step = t.progress;
    bar.hidden = !(t.running && step);
    if (step) {
      bar.max = step.epochs;
      bar.value = step.epoch;
      bar.setAttribute("aria-label", "训练进度：第 " + step.epoch + "/" + step.epochs + " 轮");
    }
  }

  function loadLog() {
    return D.api("GET", API + "/training", undefined, { quiet: true }).then(function (t) {
      var pre = $("train-log");
      var atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
      pre.textContent = t.log.join("\n");
      if (atEnd) { pre.scrollTop = pre.scrollHeight; }
    }, function () { /* the next round tries again */ });
  }

  function renderVersions(data) {
    var rows = $("version-rows");
    rows.textContent = "";
    var base = activeF1();
    if (!data.versions.length) {
      var empty = el("tr");
      var cell = el("td", "muted", "还没有版本：点「开始训练」训练第一个版本。");
      cell.colSpan = 7;
      empty.appendChild(cell);
      rows.appendChild(empty);
      return;
    }
    data.versions.forEach(function (v) {
      var tr = el("tr", v.active ? "active-row" : "");
      tr.dataset.version = v.version;
      var name = el("td");
      name.appendChild(button(v.version, "link version-open", "查看版本 " + v.version, function () { showDetail(v.version); }));
      if (v.active) { name.appendChild(el("span", "muted", "（当前）")); }
      tr.appendChild(name);
      tr.appendChild(el("td", "", D.dateTime(v.created)));
      tr.appendChild(el("td", "", v.by || ""));
      tr.appendChild(el("td", "f1", f1(v.macro_f1)));
      var diff = v.active ? { text: "", cls: "" } : points(v.macro_f1, base);
      tr.appendChild(el("td", diff.cls, diff.text));
      tr.appendChild(el("td", "state", STATES[v.state] || v.state));
      var actions = el("td", "actions");
      if (!v.active && v.state === "ready") {
        actions.appendChild(button("启用", "activate-row", "启用版本 " + v.version, function (b) { activate(v.version, false, "", b); }));
      }
      tr.appendChild(actions);
      rows.appendChild(tr);
    });
  }

  // -- one version ----------------------------------------------------------------------------
  function showDetail(version, gateText) {
    return D.api("GET", API + "/" + encodeURIComponent(version)).then(function (d) {
      shown = version;
      var v = d.version;
      $("detail").hidden = false;
      $("detail-title").textContent = "版本 " + v.version + (v.version === (d.active && d.active.version) ? "（当前）" : "");
      var facts = $("detail-facts");
      facts.textContent = "";
      [["状态", STATES[v.state] || v.state], ["训练时间", D.dateTime(v.created)], ["训练人", v.by || ""],
        ["意图 macro-F1", f1(v.macro_f1) + (d.active && d.active.version !== v.version ? "（当前版本 " + f1(d.active.macro_f1) + "）" : "")],
        ["准确率", f1(v.accuracy)], ["训练数据指纹", (v.fingerprint || "").slice(0, 16)], ["训练文件", v.files + " 个"],
        ["训练配置", v.config || ""], ["留出集", v.holdout || ""],
        ["用时", (v.train_seconds ? "训练 " + Math.round(v.train_seconds) + " 秒" : "") + (v.eval_seconds ? "，评估 " + Math.round(v.eval_seconds) + " 秒" : "")],
        ["问题", v.error || ""]].forEach(function (pair) {
        if (!pair[1]) { return; }
        facts.appendChild(el("dt", "", pair[0]));
        facts.appendChild(el("dd", "", pair[1]));
      });
      var isActive = d.active && d.active.version === v.version;
      $("activate").hidden = isActive || v.state !== "ready";
      var gate = gateText || d.gate;
      $("gate-box").hidden = !gate || isActive || v.state !== "ready";
      $("gate-text").textContent = gate ? gate + "。如确需启用，请填写理由后强制启用。" : "";
      renderIntents(v.intent_f1 || {}, d.active ? d.active.intent_f1 || {} : {}, isActive);
      var img = $("matrix");
      img.hidden = !v.confusion;
      $("matrix-none").hidden = !!v.confusion;
      if (v.confusion) { img.src = API + "/" + encodeURIComponent(v.version) + "/confusion.png"; }
      $("detail").scrollIntoView({ block: "start" });
    }, function () { /* shown */ });
  }

  function renderIntents(mine, active, isActive) {
    var rows = $("intent-rows");
    rows.textContent = "";
    var names = Object.keys(mine);
    Object.keys(active).forEach(function (n) { if (names.indexOf(n) < 0) { names.push(n); } });
    names.sort();
    names.forEach(function (n) {
      var tr = el("tr");
      var a = mine[n] || {};
      var b = active[n] || {};
      tr.appendChild(el("td", "", n));
      tr.appendChild(el("td", "", f1(a.f1)));
      tr.appendChild(el("td", "", isActive ? "" : f1(b.f1)));
      var diff = isActive ? { text: "", cls: "" } : points(a.f1, b.f1);
      tr.appendChild(el("td", diff.cls, diff.text));
      tr.appendChild(el("td", "", a.support !== undefined ? String(a.support) : ""));
      rows.appendChild(tr);
    });
  }

  // -- changes --------------------------------------------------------------------------------
  function activate(version, force, reason, b) {
    if (b) { b.disabled = true; }
    var body = force ? { force: true, reason: reason } : {};
    return D.api("POST", API + "/" + encodeURIComponent(version) + "/activate", body, { quiet: true }).then(function (r) {
      D.status(r.changed ? "已启用版本 " + r.version + (r.forced ? "（强制，理由已记入修改记录）" : "") +
        (r.stacks ? "；运行中的助手正在加载新模型，加载好后切换" : "；助手下次启动时生效") : "版本 " + r.version + " 已经是当前版本", "ok");
      $("force-reason").value = "";
      return load().then(function () { return showDetail(version); });
    }, function (err) {
      if (err.status === 409 && err.data && err.data.gate) {
        D.status("未启用：" + err.data.gate, "error");
        return showDetail(version, err.data.gate);
      }
      D.status(err.message, "error");
    }).then(function () { if (b) { b.disabled = false; } });
  }

  function start(user) {
    D.setupHeader(user);
    $("train").addEventListener("click", function () {
      var b = $("train");
      b.disabled = true;
      D.api("POST", API + "/train", {}).then(function (r) {
        D.status(r.message || "已开始训练", "ok");
        $("train-log-box").open = true;
        return load();
      }, function () { b.disabled = false; });
    });
    $("rollback").addEventListener("click", function () {
      var target = overview && overview.rollback_to;
      if (!target || !window.confirm("回滚到版本 " + target + "？运行中的助手会加载它后再切换。")) { return; }
      var b = $("rollback");
      b.disabled = true;
      D.api("POST", API + "/rollback", {}).then(function (r) {
        D.status("已回滚到版本 " + r.version + (r.stacks ? "；运行中的助手正在加载它" : ""), "ok");
        return load();
      }, function () { /* shown */ }).then(function () { b.disabled = false; });
    });
    $("activate").addEventListener("click", function () { if (shown) { activate(shown, false, "", $("activate")); } });
    $("force").addEventListener("click", function () {
      var reason = $("force-reason").value.trim();
      if (!reason) { D.status("强制启用必须填写理由", "error"); $("force-reason").focus(); return; }
      activate(shown, true, reason, $("force"));
    });
    $("train-log-box").addEventListener("toggle", function () { if ($("train-log-box").open) { loadLog(); } });
    load();
  }

  D.loadMe().then(start, function () { /* 401 → login page */ });
})();
