// The 12345 work-order console: the filtered list (left) and the selected order (right).
// Everything comes from /desk/api/workorders… (docs/workorders.md) through common.js; every text
// from a resident or a colleague is inserted with textContent, never as HTML.
(function () {
  "use strict";
  var D = window.Desk;
  var el = D.el;
  var $ = function (id) { return document.getElementById(id); };
  var CHANNELS = { socketio: "网页", wechat: "微信", rest: "接口" };
  var ACTIONS = {
    filed: "提交", assigned: "指派", status: "状态", replied: "答复", rerouted: "分派/改派",
    revealed_phone: "查看号码", notified: "已推送", notice_failed: "推送失败"
  };
  var STATUS_VERBS = { "办理中": "开始办理", "办结": "办结", "退回": "退回" };
  var REFRESH_MS = 20000;
  var MAX_REPLY = 2000;

  var meta = null;         // GET /desk/api/workorders/meta
  var me = null;
  var view = "all";        // all | triage | mine
  var selectedId = null;
  var order = null;        // the selected order's detail
  var pendingStatus = null;
  var opener = null;

  function text(value) { return value === null || value === undefined || value === "" ? "—" : String(value); }
  function channelName(c) { return CHANNELS[c] || c || "—"; }
  function staffName(username) {
    if (!username) { return "—"; }
    var found = (meta && meta.staff || []).filter(function (s) { return s.username === username; })[0];
    return found && found.display_name ? found.display_name + "（" + username + "）" : username;
  }
  function percent(p) { return p === null || p === undefined ? "—" : Math.round(p * 100) + "%"; }
  function shorten(s, n) { s = String(s || ""); return s.length > n ? s.slice(0, n - 1) + "…" : s; }

  function option(value, label, selected) {
    var o = el("option", "", label);
    o.value = value;
    if (selected) { o.selected = true; }
    return o;
  }

  // ---- list ----------------------------------------------------------------------------------

  function query() {
    var params = [];
    function add(k, v) { if (v !== "" && v !== null && v !== undefined) { params.push(k + "=" + encodeURIComponent(v)); } }
    if (view === "triage") {
      add("triage", "1");
      add("status", "open");
    } else {
      add("status", $("f-status").value);
      add("department", $("f-department").value);
      if (view === "mine") { add("assignee", "me"); }
    }
    add("category", $("f-category").value);
    var age = $("f-age").value;
    if (age) { add(age.split(":")[0] === "max" ? "max_age_days" : "min_age_days", age.split(":")[1]); }
    add("q", $("f-q").value.trim());
    if ($("f-overdue").checked) { add("overdue", "1"); }
    return "/desk/api/workorders?" + params.join("&");
  }

  function deadline(o) {
    if (o.status !== "受理" && o.status !== "办理中") { return o.closed_at ? "已结束 " + D.dateTime(o.closed_at) : "—"; }
    if (!o.responded_at && o.due_at) { return "首次答复 " + D.dateTime(o.due_at); }
    return o.handle_due_at ? "办结 " + D.dateTime(o.handle_due_at) : "—";
  }

  function row(o) {
    var tr = el("tr", "wo-row-item" + (o.overdue ? " overdue" : "") + (String(o.id) === String(selectedId) ? " selected" : ""));
    tr.dataset.id = o.id;
    var first = el("td", "nowrap");
    var open = el("button", "link-button wo-open", o.number);
    open.type = "button";
    open.setAttribute("aria-label", "打开工单 " + o.number);
    open.addEventListener("click", function () { select(o.id); });
    first.appendChild(open);
    tr.appendChild(first);
    tr.appendChild(el("td", "nowrap col-category", o.category));
    tr.appendChild(el("td", "col-what", shorten(o.what, 50)));
    var dept = el("td", "", o.department || "待分派");
    if (!o.department) {
      dept.className = "wo-triage";
      if (o.suggested) { dept.appendChild(el("span", "muted wo-suggest", "建议：" + o.suggested)); }
    }
    tr.appendChild(dept);
    tr.appendChild(el("td", "nowrap", o.status));
    tr.appendChild(el("td", "col-created", D.dateTime(o.created_at)));
    var due = el("td", "due", deadline(o));
    if (o.overdue) { due.appendChild(el("span", "overdue-label", "已逾期")); }
    tr.appendChild(due);
    tr.appendChild(el("td", "col-assignee", o.assignee ? staffName(o.assignee) : "—"));
    return tr;
  }

  function load() {
    var url = query();
    return D.api("GET", url).then(function (data) {
      if (url !== query()) { return; }
      var body = $("order-rows");
      body.textContent = "";
      data.orders.forEach(function (o) { body.appendChild(row(o)); });
      $("orders-empty").hidden = data.orders.length > 0;
      $("list-summary").textContent = "共 " + data.total + " 件" + (data.total > data.orders.length ? "，显示前 " + data.orders.length + " 件" : "");
      $("triage-count").textContent = String(data.triage_waiting);
      $("triage-count").classList.toggle("has-waiting", data.triage_waiting > 0);
      $("triage-count-tab").textContent = "(" + data.triage_waiting + ")";
      $("overdue-count").textContent = String(data.overdue);
      $("overdue-count").classList.toggle("has-waiting", data.overdue > 0);
    }, function () { /* shown by the helper */ });
  }

  function setView(which) {
    view = which;
    ["all", "triage", "mine"].forEach(function (v) { $("view-" + v).setAttribute("aria-pressed", String(v === which)); });
    $("f-status").disabled = which === "triage";
    $("f-department").disabled = which === "triage";
    load();
  }

  // ---- detail --------------------------------------------------------------------------------

  function fill(id, value) { $(id).textContent = text(value); }

  function logList(id, items, render) {
    var list = $(id);
    list.textContent = "";
    if (!items.length) { list.appendChild(el("li", "empty", "暂无")); return; }
    items.forEach(function (item) { list.appendChild(render(item)); });
  }

  function entry(at, who, body, className) {
    var li = el("li", className || "");
    var head = el("span", "meta");
    head.appendChild(el("span", "", D.dateTime(at)));
    if (who) { head.appendChild(el("span", "who", who)); }
    li.appendChild(head);
    li.appendChild(el("span", "note-text", body));
    return li;
  }

  function render(o) {
    order = o;
    $("detail-empty").hidden = true;
    $("detail").hidden = false;
    fill("d-number", o.number);
    $("d-status").textContent = o.status;
    $("d-overdue").hidden = !o.overdue;
    $("d-overdue").textContent = o.overdue ? "已逾期：" + o.overdue_reason : "";
    fill("d-what", o.what);
    fill("d-category", o.category);
    fill("d-channel", channelName(o.channel));
    fill("d-district", o.district);
    fill("d-place", o.place);
    fill("d-when", o.when_text);
    $("d-phone").textContent = o.has_phone ? o.phone : "未留电话";
    $("reveal-phone").hidden = !o.has_phone;
    $("reveal-phone").disabled = false;
    fill("d-department", o.department || "待分派");
    var router = o.suggested ? o.suggested + "（置信度 " + percent(o.confidence) + "）" : "无（未能自动分派）";
    if (o.triage && o.suggested) { router += "，低于阈值，转人工分派"; }
    fill("d-router", router);
    fill("d-assignee", o.assignee ? staffName(o.assignee) : "");
    fill("d-created", D.dateTime(o.created_at));
    fill("d-due", o.due_at ? D.dateTime(o.due_at) + (o.responded_at ? "（已于 " + D.dateTime(o.responded_at) + " 答复）" : "") : "");
    fill("d-handle-due", o.handle_due_at ? D.dateTime(o.handle_due_at) : "");
    $("d-return-label").hidden = $("d-return").hidden = !o.return_reason;
    fill("d-return", o.return_reason);

    var open = o.status === "受理" || o.status === "办理中";
    $("closed-note").hidden = open;
    $("closed-note").textContent = open ? "" : "工单已" + o.status + "，不能再办理。";
    ["assign-form", "reroute-form", "reply-form"].forEach(function (id) { $(id).hidden = !open; });
    var buttons = $("status-buttons");
    buttons.textContent = "";
    o.allowed_statuses.forEach(function (status) {
      var b = el("button", status === "退回" ? "danger" : "primary", STATUS_VERBS[status] || status);
      b.type = "button";
      b.dataset.status = status;
      b.addEventListener("click", function () { openStatus(status, b); });
      buttons.appendChild(b);
    });
    if (open && !o.department) {
      buttons.appendChild(el("span", "muted", "待分派：请先在下方选择承办部门"));
    }
    $("reroute-label").textContent = o.department ? "改派到" : "分派到";
    $("reroute").textContent = o.department ? "改派" : "分派";
    var select = $("reroute-to");
    var keep = select.value;
    select.textContent = "";
    select.appendChild(option("", "选择承办部门", false));
    (meta.departments || []).forEach(function (d) {
      if (d !== o.department) { select.appendChild(option(d, d, d === keep || (!keep && !o.department && d === o.suggested))); }
    });
    var assignTo = $("assign-to");
    assignTo.textContent = "";
    assignTo.appendChild(option("", "（不指派）", !o.assignee));
    (meta.staff || []).forEach(function (s) {
      assignTo.appendChild(option(s.username, s.display_name ? s.display_name + "（" + s.username + "）" : s.username, s.username === o.assignee));
    });
    $("push-note").hidden = !o.push_refusal;
    $("push-note").textContent = o.push_refusal ? "答复会保存，但现在无法推送给居民：" + o.push_refusal : "";

    logList("d-replies", o.replies, function (r) { return entry(r.at, staffName(r.author) + (r.department ? " · " + r.department : ""), r.text); });
    logList("d-notices", o.notices, function (n) {
      var li = entry(n.at, n.delivered ? "已送达" : "未送达", n.text, n.delivered ? "delivered" : "undelivered");
      if (!n.delivered && n.reason) { li.appendChild(el("span", "refusal-reason", "原因：" + n.reason)); }
      return li;
    });
    logList("d-history", o.history, function (h) { return entry(h.at, staffName(h.actor), (ACTIONS[h.action] || h.action) + (h.detail ? "：" + h.detail : "")); });
  }

  function select(id) {
    selectedId = id;
    if (window.matchMedia("(max-width: 1023px)").matches) {  // the detail is under the list: bring it into view
      window.setTimeout(function () { $("detail").scrollIntoView({ block: "start" }); }, 300);
    }
    Array.prototype.forEach.call(document.querySelectorAll("#order-rows tr"), function (tr) {
      tr.classList.toggle("selected", tr.dataset.id === String(id));
    });
    return refreshDetail();
  }

  function refreshDetail() {
    if (selectedId === null) { return Promise.resolve(); }
    var id = selectedId;
    return D.api("GET", "/desk/api/workorders/" + encodeURIComponent(id)).then(function (o) {
      if (String(id) === String(selectedId)) { render(o); }
    }, function () { /* shown */ });
  }

  function afterChange(data, done) {
    var notice = data && data.notice;
    if (notice && !notice.delivered) {
      D.status(done + "，但未能推送给居民：" + (notice.reason || ""), "error");
    } else {
      D.status(done + (notice ? "，已推送给居民" : ""), "ok");
    }
    return Promise.all([refreshDetail(), load()]);
  }

  // every change carries the version the staff member saw: a colleague's change meanwhile → 409
  function post(path, body, done, button) {
    body.version = order.updated_at;
    if (button) { button.disabled = true; }
    return D.api("POST", "/desk/api/workorders/" + encodeURIComponent(order.id) + path, body)
      .then(function (data) { return afterChange(data, done).then(function () { return data; }); })
      .then(function (data) { if (button) { button.disabled = false; } return data; },
        function (err) {
          if (button) { button.disabled = false; }
          if (err && err.status === 409) { refreshDetail(); load(); }  // show what the order is now
          throw err;
        });
  }

  function openStatus(status, button) {
    if (status === "办理中") {
      post("/status", { status: status }, "已改为办理中", button).catch(function () {});
      return;
    }
    pendingStatus = status;
    opener = button;
    $("status-dialog-title").textContent = (status === "退回" ? "退回工单 " : "办结工单 ") + order.number;
    $("status-reason-row").hidden = status !== "退回";
    $("status-reply-row").hidden = status !== "办结";
    $("status-reason").value = "";
    $("status-reply").value = "";
    $("status-reply").placeholder = order.reply ? "可不填：居民会收到上一条答复" : "办结前须答复居民";
    $("status-error").textContent = "";
    $("status-dialog").showModal();
    (status === "退回" ? $("status-reason") : $("status-reply")).focus();
  }

  function submitStatus(event) {
    event.preventDefault();
    var body = { status: pendingStatus, version: order.updated_at };
    if (pendingStatus === "退回") {
      body.reason = $("status-reason").value.trim();
      if (!body.reason) { $("status-error").textContent = "请填写退回原因"; return; }
    } else {
      var reply = $("status-reply").value.trim();
      if (!reply && !order.reply) { $("status-error").textContent = "请填写办结答复"; return; }
      if (reply) { body.reply = reply; }
    }
    $("status-confirm").disabled = true;
    D.api("POST", "/desk/api/workorders/" + encodeURIComponent(order.id) + "/status", body, { quiet: true })
      .then(function (data) {
        opener = null;
        $("status-dialog").close();
        return afterChange(data, "工单已" + pendingStatus);
      }, function (err) { $("status-error").textContent = err.message; })
      .then(function () { $("status-confirm").disabled = false; });
  }

  function updateCounter() {
    var n = $("reply-input").value.length;
    $("reply-counter").textContent = n + " / " + MAX_REPLY;
    $("reply-counter").classList.toggle("over", n > MAX_REPLY);
  }

  function start(user) {
    me = user;
    D.setupHeader(user);
    $("stats-link").hidden = user.role !== "admin";
    D.api("GET", "/desk/api/workorders/meta").then(function (m) {
      meta = m;
      MAX_REPLY = m.max_reply_chars || MAX_REPLY;
      m.departments.forEach(function (d) { $("f-department").appendChild(option(d, d, false)); });
      m.categories.forEach(function (c) { $("f-category").appendChild(option(c, c, false)); });
      if (m.policy_error) { D.status("时限配置有误：" + m.policy_error, "error"); }
      load();
    });
    $("filters").addEventListener("submit", function (e) { e.preventDefault(); load(); });
    ["f-status", "f-department", "f-category", "f-age", "f-overdue"].forEach(function (id) {
      $(id).addEventListener("change", load);
    });
    ["all", "triage", "mine"].forEach(function (v) { $("view-" + v).addEventListener("click", function () { setView(v); }); });
    $("reveal-phone").addEventListener("click", function () {
      var button = $("reveal-phone");
      if (!window.confirm("显示完整联系电话？查看会记入该工单的办理记录。")) { return; }
      button.disabled = true;
      D.api("POST", "/desk/api/workorders/" + encodeURIComponent(order.id) + "/reveal-phone").then(function (data) {
        $("d-phone").textContent = data.phone;
        D.status("已显示完整号码（查看已记录）", "ok");
        return refreshDetail().then(function () { $("d-phone").textContent = data.phone; button.disabled = true; });
      }, function () { button.disabled = false; });
    });
    $("assign-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var to = $("assign-to").value || null;
      post("/assign", { to: to }, to ? "已指派给 " + staffName(to) : "已取消指派", $("assign")).catch(function () {});
    });
    $("assign-me").addEventListener("click", function () {
      post("/assign", { to: me.username }, "已指派给我", $("assign-me")).catch(function () {});
    });
    $("reroute-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var department = $("reroute-to").value;
      var reason = $("reroute-reason").value.trim();
      if (!department) { D.status("请选择承办部门", "error"); $("reroute-to").focus(); return; }
      if (!reason) { D.status("请填写分派或改派的原因", "error"); $("reroute-reason").focus(); return; }
      post("/reroute", { department: department, reason: reason }, "已分派到 " + department, $("reroute"))
        .then(function () { $("reroute-reason").value = ""; }, function () {});
    });
    $("reply-input").addEventListener("input", updateCounter);
    $("reply-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var value = $("reply-input").value.trim();
      if (!value) { D.status("答复内容不能为空", "error"); return; }
      if (value.length > MAX_REPLY) { D.status("答复不能超过 " + MAX_REPLY + " 字", "error"); return; }
      post("/reply", { text: value }, "答复已保存", $("send-reply"))
        .then(function () { $("reply-input").value = ""; updateCounter(); }, function () {});
    });
    $("status-form").addEventListener("submit", submitStatus);
    var dialog = $("status-dialog");
    dialog.querySelector(".cancel").addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () {
      if (opener && document.body.contains(opener)) { opener.focus(); }
      opener = null;
    });
    window.setInterval(function () {
      // not while a dialog is open or the user is typing: a rebuild would lose their place
      if (!dialog.open && !$("detail").contains(document.activeElement) && !$("filters").contains(document.activeElement)) {
        load();
      }
    }, REFRESH_MS);
  }

  D.loadMe().then(start, function () { /* 401 → login page */ });
})();
