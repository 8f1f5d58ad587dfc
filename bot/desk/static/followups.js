// 差评 follow-ups (整改): GET /desk/api/followups?status=open|closed, close with a required note.
// Overdue rows stand out by colour and by the text 「已逾期」. Text only via textContent.
(function () {
  "use strict";
  var D = window.Desk;
  var el = D.el;
  var $ = function (id) { return document.getElementById(id); };
  var CHANNELS = { socketio: "网页", wechat: "微信", rest: "接口" };
  var REFRESH_MS = 30000;
  var view = "open";
  var closing = null;   // the follow-up being closed
  var opener = null;

  function cell(text, className) {
    var td = el("td", className || "", text === null || text === undefined || text === "" ? "—" : text);
    return td;
  }

  function row(f) {
    var tr = el("tr", "followup" + (f.overdue ? " overdue" : ""));
    tr.dataset.id = f.id;
    tr.appendChild(cell("#" + f.id));
    tr.appendChild(cell(f.level_name || f.level));
    tr.appendChild(cell(f.reason));
    tr.appendChild(cell(f.service));
    tr.appendChild(cell(f.staff));
    tr.appendChild(cell(CHANNELS[f.channel] || f.channel));
    tr.appendChild(cell(D.dateTime(f.created_at)));
    var due = cell(D.dateTime(f.due), "due");
    if (f.overdue) { due.appendChild(el("span", "overdue-label", "已逾期")); }
    tr.appendChild(due);
    var state = cell(f.status === "closed" ? "已办结" : "待整改", "state");
    if (f.note) {
      state.appendChild(document.createElement("br"));
      state.appendChild(el("span", "note-text", f.note));
    }
    tr.appendChild(state);
    var actions = el("td", "actions");
    if (f.status !== "closed") {
      var button = el("button", "close-followup", "办结");
      button.type = "button";
      button.setAttribute("aria-label", "办结整改 #" + f.id);
      button.addEventListener("click", function () { openClose(f, button); });
      actions.appendChild(button);
    }
    tr.appendChild(actions);
    return tr;
  }

  function load() {
    var which = view;
    return D.api("GET", "/desk/api/followups?status=" + which).then(function (list) {
      if (which !== view) { return; }
      list = list || [];
      var body = $("followup-rows");
      body.textContent = "";
      list.forEach(function (f) { body.appendChild(row(f)); });
      $("followups-empty").hidden = list.length > 0;
      if (which === "open") {
        var overdue = list.filter(function (f) { return f.overdue; }).length;
        $("open-count").textContent = "(" + list.length + (overdue ? "，逾期 " + overdue : "") + ")";
      }
    }, function () { /* shown by the helper */ });
  }

  function show(which) {
    view = which;
    $("tab-open").setAttribute("aria-pressed", String(which === "open"));
    $("tab-closed").setAttribute("aria-pressed", String(which === "closed"));
    load();
  }

  function openClose(f, button) {
    closing = f;
    opener = button;
    $("followup-dialog-id").textContent = "#" + f.id;
    $("followup-dialog-reason").textContent = (f.level_name || "") + (f.reason ? "：" + f.reason : "");
    $("followup-note").value = "";
    $("followup-error").textContent = "";
    $("followup-dialog").showModal();
    $("followup-note").focus();
  }

  function submitClose(event) {
    event.preventDefault();
    var note = $("followup-note").value.trim();
    if (!note) { $("followup-error").textContent = "请填写整改说明"; $("followup-note").focus(); return; }
    var id = closing.id;
    $("followup-confirm").disabled = true;
    D.api("POST", "/desk/api/followups/" + encodeURIComponent(id) + "/close", { note: note }, { quiet: true })
      .then(function () {
        opener = null;
        $("followup-dialog").close();
        D.status("整改 #" + id + " 已办结", "ok");
        return load().then(function () { $("followup-rows").focus(); });
      }, function (err) {
        $("followup-error").textContent = err.message;
      }).then(function () { $("followup-confirm").disabled = false; });
  }

  function start(user) {
    D.setupHeader(user);
    $("followup-rows").tabIndex = -1;
    $("tab-open").addEventListener("click", function () { show("open"); });
    $("tab-closed").addEventListener("click", function () { show("closed"); });
    $("refresh").addEventListener("click", function () { load().then(function () { D.status("已刷新", "ok"); }); });
    $("followup-form").addEventListener("submit", submitClose);
    var dialog = $("followup-dialog");
    dialog.querySelector(".cancel").addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () {
      if (opener && document.body.contains(opener)) { opener.focus(); }
      opener = null;
    });
    load();
    window.setInterval(function () {
      // not while a dialog is open or the user is in the table: a rebuild would lose their place
      if (!dialog.open && !$("followups").contains(document.activeElement)) { load(); }
    }, REFRESH_MS);
  }

  D.loadMe().then(start, function () { /* 401 → login page */ });
})();
