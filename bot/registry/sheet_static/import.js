// Spreadsheet import: upload → preview table (error rows highlighted, their messages listed) →
// 确认导入, enabled only when the preview has no error. Text is set with textContent only.
(function () {
  "use strict";
  var D = window.Desk;
  var el = D.el;
  var $ = function (id) { return document.getElementById(id); };
  var OUTCOME = { created: "新增", updated: "更新", unchanged: "未变", skipped: "跳过", error: "错误" };
  var csrfToken = null;
  var token = null;

  function where(m) {
    var text = m.sheet + (m.row ? " 第" + m.row + "行" : "");
    return text + (m.column ? " " + m.column : "") + "：" + m.message;
  }

  function row(r) {
    var tr = el("tr", "preview-row" + (r.status === "error" ? " row-error" : ""));
    tr.dataset.status = r.status;
    tr.dataset.code = r.code || "";
    tr.dataset.row = String(r.row);
    tr.appendChild(el("td", "", r.sheet));
    tr.appendChild(el("td", "", r.row));
    tr.appendChild(el("td", "code", r.code));
    tr.appendChild(el("td", "", r.name));
    tr.appendChild(el("td", "outcome outcome-" + r.status, OUTCOME[r.status] || r.status));
    var notes = el("td", "notes");
    if (r.messages && r.messages.length) {
      var list = el("ul", "row-messages");
      r.messages.forEach(function (m) { list.appendChild(el("li", "", where(m))); });
      notes.appendChild(list);
    } else if (r.changes && r.changes.length) {
      notes.textContent = "改动：" + r.changes.join("、");
    }
    tr.appendChild(notes);
    return tr;
  }

  function show(data) {
    token = data.token || null;
    $("preview-section").hidden = false;
    $("preview-file").textContent = data.filename || "";
    var s = data.summary || {};
    $("preview-summary").textContent = "共 " + (s.rows || 0) + " 个事项：新增 " + (s.created || 0) + "，更新 " +
      (s.updated || 0) + "，未变 " + (s.unchanged || 0) + (s.skipped ? "，跳过 " + s.skipped : "") +
      "；错误 " + data.errors + " 处";
    var problems = $("preview-problems");
    problems.textContent = "";
    (data.problems || []).forEach(function (m) { problems.appendChild(el("li", "", where(m))); });
    var warnings = $("preview-warnings");
    warnings.textContent = "";
    (data.warnings || []).forEach(function (w) { warnings.appendChild(el("li", "", w)); });
    var body = $("preview-rows");
    body.textContent = "";
    (data.rows || []).forEach(function (r) { body.appendChild(row(r)); });
    var ok = data.errors === 0 && token && ((s.created || 0) + (s.updated || 0)) > 0;
    $("commit").disabled = !ok;
    $("commit-hint").textContent = data.errors ? "有错误时不能导入：请改正文件后重新上传。" :
      (ok ? "" : "没有需要写入的改动。");
    if (data.errors) {
      D.status("文件有 " + data.errors + " 处错误，未导入任何内容", "error");
    } else {
      D.status("预览完成，请核对后确认导入", "info");
    }
  }

  function upload(event) {
    event.preventDefault();
    var input = $("sheet-file");
    if (!input.files || !input.files.length) {
      D.status("请先选择文件", "error");
      input.focus();
      return;
    }
    var form = new FormData();
    form.append("file", input.files[0]);
    $("preview-button").disabled = true;
    $("commit").disabled = true;
    token = null;
    window.fetch("/admin/api/registry/import/preview", {
      method: "POST", credentials: "same-origin", body: form,
      headers: { "Accept": "application/json", "X-CSRF-Token": csrfToken || "" }
    }).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (response.status === 401) { window.location.assign(D.loginUrl()); return; }
        if (!response.ok || !data || data.error) {
          D.status(data && data.error ? data.error : "上传失败（" + response.status + "）", "error");
          return;
        }
        show(data);
      });
    }, function () {
      D.status("连不上服务器，请检查网络", "error");
    }).then(function () { $("preview-button").disabled = false; });
  }

  function commit() {
    if (!token) { return; }
    var button = $("commit");
    button.disabled = true;
    D.api("POST", "/admin/api/registry/import/commit", { token: token }).then(function (r) {
      token = null;
      $("commit-hint").textContent = "";
      D.status("已导入：新增 " + r.created + "，更新 " + r.updated + "，未变 " + r.unchanged, "ok");
      $("preview-summary").textContent = "已导入 " + (r.filename || "") + "：新增 " + r.created + "，更新 " +
        r.updated + "，未变 " + r.unchanged;
    }, function () {
      token = null;  // a refused token is used up: upload again
      $("commit-hint").textContent = "请重新上传文件预览。";
    });
  }

  function start(user) {
    D.setupHeader(user);
    $("upload-form").addEventListener("submit", upload);
    $("commit").addEventListener("click", commit);
    // the upload is multipart, not the helper's JSON: it needs the CSRF token itself
    return window.fetch("/desk/api/me", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (me) { csrfToken = me.csrf_token; document.body.dataset.ready = "1"; });
  }

  D.loadMe().then(start, function () { /* 401 → login page */ });
})();
