// The FAQ console: try a query (top three with scores), add / edit, delete / restore, import a
// spreadsheet (preview first), and each entry's history with revert. Text is only ever set with
// textContent. Uses /admin/api/faq (see bot/faq/api.py).
(function () {
  "use strict";
  var D = window.Desk;
  var el = D.el;
  var $ = function (id) { return document.getElementById(id); };
  var editing = null;
  var csrf = null;

  function button(text, className, label, handler) {
    var b = el("button", className, text);
    b.type = "button";
    b.setAttribute("aria-label", label);
    b.addEventListener("click", function () { handler(b); });
    return b;
  }

  function tryQuery(event) {
    event.preventDefault();
    var q = $("try-q").value.trim();
    if (!q) { D.status("请输入问题", "error"); return; }
    D.api("GET", "/admin/api/faq/search?q=" + encodeURIComponent(q)).then(function (data) {
      var list = $("try-results");
      list.textContent = "";
      $("try-note").textContent = "回答阈值 " + data.threshold.toFixed(3) + "：" +
        (data.answered ? "助手会用第一条回答。" : "没有条目达到阈值，助手会请居民说明。");
      if (!data.hits.length) { list.appendChild(el("li", "muted", "没有找到")); }
      data.hits.forEach(function (h) {
        var li = el("li", "try-hit");
        li.dataset.id = h.id;
        li.appendChild(el("span", "score", h.score.toFixed(3)));
        li.appendChild(el("span", "question", "#" + h.id + " " + h.question));
        if (h.department) { li.appendChild(el("span", "muted", "（" + h.department + "）")); }
        if (data.answered === h.id) { li.appendChild(el("span", "answered", "✓ 会回答")); }
        li.appendChild(el("span", "answer", h.answer));
        list.appendChild(li);
      });
    }, function () { /* shown by the helper */ });
  }

  function row(e) {
    var tr = el("tr", "faq-row-entry" + (e.deleted ? " inactive" : ""));
    tr.dataset.id = e.id;
    tr.appendChild(el("td", "", String(e.id)));
    tr.appendChild(el("td", "question", e.question));
    tr.appendChild(el("td", "", e.department));
    tr.appendChild(el("td", "", D.dateTime(e.updated_at)));
    var actions = el("td", "actions");
    if (e.deleted) {
      actions.appendChild(button("恢复", "restore", "恢复 #" + e.id, function (b) { change("POST", e, "/restore", "已恢复", b); }));
    } else {
      actions.appendChild(button("编辑", "edit", "编辑 #" + e.id, function () { edit(e); }));
      actions.appendChild(button("删除", "delete danger", "删除 #" + e.id, function (b) {
        if (window.confirm("删除 #" + e.id + "？删除后可以恢复。")) { change("DELETE", e, "", "已删除", b); }
      }));
    }
    actions.appendChild(button("记录", "history-open", "#" + e.id + " 的修改记录", function () { showHistory(e.id); }));
    tr.appendChild(actions);
    return tr;
  }

  function load() {
    var q = $("list-q").value.trim();
    var url = "/admin/api/faq?limit=200&deleted=" + $("list-deleted").value + (q ? "&q=" + encodeURIComponent(q) : "");
    return D.api("GET", url).then(function (data) {
      var body = $("faq-rows");
      body.textContent = "";
      data.entries.forEach(function (e) { body.appendChild(row(e)); });
      $("list-total").textContent = "共 " + data.total + " 条" + (data.total > data.entries.length ? "（显示前 " + data.entries.length + " 条）" : "");
    }, function () { /* shown */ });
  }

  function change(method, e, suffix, done, b) {
    b.disabled = true;
    D.api(method, "/admin/api/faq/" + e.id + suffix, {}).then(function () {
      D.status(done + " #" + e.id, "ok");
      return load();
    }, function () { b.disabled = false; });
  }

  function edit(e) {
    editing = e.id;
    $("edit-title").textContent = "编辑常见问题 #" + e.id;
    $("faq-question").value = e.question;
    $("faq-answer").value = e.answer;
    $("faq-department").value = e.department;
    $("faq-keywords").value = (e.keywords || []).join(", ");
    $("faq-cancel").hidden = false;
    $("faq-question").focus();
  }

  function resetForm() {
    editing = null;
    $("faq-form").reset();
    $("edit-title").textContent = "新建常见问题";
    $("faq-cancel").hidden = true;
  }

  function save(event) {
    event.preventDefault();
    var body = { question: $("faq-question").value, answer: $("faq-answer").value,
                 department: $("faq-department").value, keywords: $("faq-keywords").value };
    if (!body.question.trim() || !body.answer.trim()) { D.status("请填写问题和答案", "error"); return; }
    $("faq-save").disabled = true;
    var call = editing ? D.api("PUT", "/admin/api/faq/" + editing, body) : D.api("POST", "/admin/api/faq", body);
    call.then(function (e) {
      D.status((editing ? "已保存 #" : "已新建 #") + e.id, "ok");
      resetForm();
      return load();
    }, function () { /* shown */ }).then(function () { $("faq-save").disabled = false; });
  }

  function showHistory(id) {
    D.api("GET", "/admin/api/faq/" + id).then(function (e) {
      $("history").hidden = false;
      $("history-entry").textContent = "#" + e.id + " " + e.question;
      var list = $("history-rows");
      list.textContent = "";
      e.history.forEach(function (h) {
        var li = el("li", "history-item");
        li.appendChild(el("span", "", D.dateTime(h.at) + " · " + h.actor + " · " + h.source + " · " + h.action + "："));
        li.appendChild(el("span", "muted", h.changes.map(function (c) { return c.field; }).join("、")));
        if (h.action !== "revert") {
          li.appendChild(button("撤销这次修改", "revert", "撤销修改 " + h.id, function (b) {
            b.disabled = true;
            D.api("POST", "/admin/api/faq/history/" + h.id + "/revert", {}).then(function () {
              D.status("已撤销修改 " + h.id, "ok");
              showHistory(id);
              return load();
            }, function () { b.disabled = false; });
          }));
        }
        list.appendChild(li);
      });
    }, function () { /* shown */ });
  }

  function upload(preview) {
    var file = $("import-file").files[0];
    if (!file) { D.status("请选择文件", "error"); return; }
    var form = new FormData();
    form.append("file", file);
    form.append("question_col", $("import-question").value);
    form.append("answer_col", $("import-answer").value);
    form.append("department_col", $("import-department").value);
    form.append("keywords_col", $("import-keywords").value);
    form.append("sheet", $("import-sheet").value);
    form.append("replace", $("import-replace").checked ? "1" : "");
    form.append("preview", preview ? "1" : "");
    window.fetch("/admin/api/faq/import", { method: "POST", credentials: "same-origin", body: form,
      headers: { "X-CSRF-Token": csrf, "Accept": "application/json" } }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) { throw new Error(data && data.error ? data.error : "导入失败（" + r.status + "）"); }
        return data;
      });
    }).then(function (rep) {
      var box = $("import-report");
      box.textContent = "";
      box.appendChild(el("p", "", (rep.preview ? "预览（未写入）：" : "已导入：") + "新增 " + rep.added + "，更新 " +
        rep.updated + "，未变 " + rep.unchanged + "，删除 " + rep.deleted + "，拒绝 " + rep.rejected.length));
      var ul = el("ul", "");
      rep.rejected.forEach(function (x) { ul.appendChild(el("li", "", "第 " + x.row + " 行：" + x.reason)); });
      box.appendChild(ul);
      if (!rep.preview) { load(); }
    }, function (err) { D.status(err.message, "error"); });
  }

  function start(user) {
    D.setupHeader(user);
    $("try-form").addEventListener("submit", tryQuery);
    $("faq-form").addEventListener("submit", save);
    $("faq-cancel").addEventListener("click", resetForm);
    $("list-form").addEventListener("submit", function (e) { e.preventDefault(); load(); });
    $("list-deleted").addEventListener("change", load);
    $("import-form").addEventListener("submit", function (e) { e.preventDefault(); upload(false); });
    $("import-preview").addEventListener("click", function () { upload(true); });
    load();
  }

  D.api("GET", "/desk/api/me").then(function (data) { csrf = data.csrf_token; });
  D.loadMe().then(start, function () { /* 401 → login page */ });
})();
