// The audit log: every change made in the console, the CLI or an import, newest first — who, when,
// what, and before → after field by field; 撤销此修改 (after a confirm) reverts one change.
// Uses /admin/api/audit; text is only ever set with textContent.
(function () {
  "use strict";
  var D = window.Desk;
  var F = window.RegistryFields;
  var el = D.el;
  var $ = function (id) { return document.getElementById(id); };
  var ACTIONS = { create: "新建", update: "修改", delete: "删除", restore: "恢复", revert: "撤销" };
  var SOURCES = { console: "管理后台", cli: "命令行", "import": "导入" };
  var ENTITIES = { registry_item: "办事指南", faq_entry: "常见问题" };
  var nextBefore = null;

  function isObject(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }

  function show(value) {
    if (value === null || value === undefined || value === "") { return "（空）"; }
    if (value === true) { return "是"; }
    if (value === false) { return "否"; }
    if (Array.isArray(value)) {
      if (!value.length) { return "（无）"; }
      if (value.every(function (v) { return !isObject(v); })) { return value.join("、"); }
      return value.map(function (v) { return show(v); }).join("；");
    }
    if (isObject(value)) {
      return Object.keys(value).map(function (k) { return (F.LABELS[k] || k) + "：" + show(value[k]); }).join("，");
    }
    return String(value);
  }

  // The changed leaves of before → after: [{path, before, after}], lists of records by position.
  function diff(before, after, path, out) {
    if (isObject(before) && isObject(after)) {
      var keys = Object.keys(before).concat(Object.keys(after).filter(function (k) { return !(k in before); }));
      keys.forEach(function (k) { diff(before[k], after[k], path ? path + "." + k : k, out); });
    } else if (Array.isArray(before) && Array.isArray(after) &&
               (before.some(isObject) || after.some(isObject))) {
      for (var i = 0; i < Math.max(before.length, after.length); i++) {
        diff(before[i], after[i], path + "[" + i + "]", out);
      }
    } else if (JSON.stringify(before) !== JSON.stringify(after)) {
      out.push({ path: path, before: before, after: after });
    }
    return out;
  }

  function diffTable(entry) {
    var rows = diff(entry.before || {}, entry.after || {}, "", []);
    var table = el("table", "diff");
    var head = el("tr");
    ["字段", "修改前", "修改后"].forEach(function (t) { var th = el("th", "", t); th.scope = "col"; head.appendChild(th); });
    var thead = el("thead");
    thead.appendChild(head);
    table.appendChild(thead);
    var body = el("tbody");
    rows.forEach(function (r) {
      var tr = el("tr", "change");
      tr.dataset.field = r.path;
      var th = el("th", "field", F.pathLabel(r.path));
      th.scope = "row";
      tr.appendChild(th);
      tr.appendChild(el("td", "before", r.before === undefined ? "（无）" : show(r.before)));
      tr.appendChild(el("td", "after", r.after === undefined ? "（无）" : show(r.after)));
      body.appendChild(tr);
    });
    table.appendChild(body);
    return rows.length ? table : el("p", "muted", "内容没有变化");
  }

  function describe(entry) {
    if (!entry.before && entry.after) {
      return entry.action === "create" ? "新建，共 " + Object.keys(entry.after).length + " 个字段" : "恢复（助手重新回答）";
    }
    if (entry.before && !entry.after) { return "删除（助手不再回答，可恢复）"; }
    return null;
  }

  function entryNode(entry) {
    var li = el("li", "audit-entry");
    li.dataset.id = entry.id;
    li.dataset.key = entry.key;
    li.dataset.action = entry.action;
    var head = el("div", "entry-head");
    head.appendChild(el("span", "when", D.dateTime(entry.at)));
    head.appendChild(el("span", "who", entry.actor));
    head.appendChild(el("span", "source muted", SOURCES[entry.source] || entry.source));
    head.appendChild(el("span", "action-label action-" + entry.action, ACTIONS[entry.action] || entry.action));
    var what = el("span", "what");
    var name = (ENTITIES[entry.entity] || entry.entity) + "「" + (entry.summary || entry.key) + "」";
    if (entry.entity === "registry_item") {
      var link = el("a", "", name);
      link.href = "/admin/registry/" + encodeURIComponent(entry.key);
      what.appendChild(link);
    } else {
      what.textContent = name;
    }
    what.appendChild(el("span", "muted", " " + entry.key));
    head.appendChild(what);
    var actions = el("span", "actions");
    var revertButton = el("button", "revert", "撤销此修改");
    revertButton.type = "button";
    revertButton.setAttribute("aria-label", "撤销此修改：" + (entry.summary || entry.key) + " " + D.dateTime(entry.at));
    revertButton.addEventListener("click", function () { doRevert(entry, revertButton); });
    actions.appendChild(revertButton);
    head.appendChild(actions);
    li.appendChild(head);
    if (entry.reverts) { li.appendChild(el("p", "reverted-note", "撤销的是第 " + entry.reverts + " 号修改")); }
    var text = describe(entry);
    li.appendChild(text ? el("p", "summary muted", text) : diffTable(entry));
    return li;
  }

  function query(beforeId) {
    var params = new URLSearchParams();
    if ($("entity").value) { params.set("entity", $("entity").value); }
    if ($("key").value.trim()) { params.set("key", $("key").value.trim()); }
    var shown = params.toString();
    if (beforeId) { params.set("before_id", String(beforeId)); }
    return { api: "/admin/api/audit?" + params.toString(), page: "/admin/audit" + (shown ? "?" + shown : "") };
  }

  function load(more) {
    var q = query(more ? nextBefore : null);
    if (!more) { window.history.replaceState(null, "", q.page); }
    return D.api("GET", q.api).then(function (data) {
      var list = $("audit-rows");
      if (!more) { list.textContent = ""; }
      (data.entries || []).forEach(function (entry) { list.appendChild(entryNode(entry)); });
      if (!list.children.length) { list.appendChild(el("li", "empty", "没有修改记录")); }
      nextBefore = data.next_before_id;
      $("more").hidden = !nextBefore;
    }, function () { /* shown by the helper */ });
  }

  function doRevert(entry, button) {
    var what = (entry.summary || entry.key) + "（" + D.dateTime(entry.at) + " " + entry.actor + " 的" +
      (ACTIONS[entry.action] || entry.action) + "）";
    if (!window.confirm("撤销此修改：" + what + "？内容将回到修改前，立即生效。")) { return; }
    button.disabled = true;
    D.api("POST", "/admin/api/audit/" + entry.id + "/revert", {}).then(function () {
      D.status("已撤销：" + what + "，已生效", "ok");
      return load(false);
    }, function () { button.disabled = false; });
  }

  function start(user) {
    D.setupHeader(user);
    var params = new URLSearchParams(window.location.search);
    $("entity").value = params.get("entity") || "";
    $("key").value = params.get("key") || "";
    $("filter-form").addEventListener("submit", function (event) { event.preventDefault(); load(false); });
    $("entity").addEventListener("change", function () { load(false); });
    $("more").addEventListener("click", function () { load(true); });
    load(false);
  }

  D.loadMe().then(start, function () { /* 401 → login page */ });
})();
