// Account management for administrators: list, add, disable / enable, reset a password.
// Uses the /admin/api/users API; the server's refusals ({"error"}) are shown in #status.
(function () {
  "use strict";
  var D = window.Desk;
  var el = D.el;
  var $ = function (id) { return document.getElementById(id); };
  var ROLES = { staff: "工作人员", admin: "管理员" };
  var me = null;
  var resetting = null;
  var opener = null;

  function stateCell(u) {
    var td = el("td", "state");
    td.appendChild(el("span", u.active ? "state-on" : "state-off", u.active ? "启用" : "已停用"));
    if (u.locked) {
      td.appendChild(document.createElement("br"));
      td.appendChild(el("span", "state-off", "锁定至 " + D.dateTime(u.locked_until)));
    }
    return td;
  }

  function actionButton(text, className, label, handler) {
    var button = el("button", className, text);
    button.type = "button";
    button.setAttribute("aria-label", label);
    button.addEventListener("click", function () { handler(button); });
    return button;
  }

  function row(u) {
    var tr = el("tr", "user-row" + (u.active ? "" : " inactive"));
    tr.dataset.username = u.username;
    var name = el("td", "username", u.username);
    if (me && u.username === me.username) { name.appendChild(el("span", "muted", "（我）")); }
    tr.appendChild(name);
    tr.appendChild(el("td", "", u.display_name));
    tr.appendChild(el("td", "role", ROLES[u.role] || u.role));
    tr.appendChild(stateCell(u));
    tr.appendChild(el("td", "", u.last_login_at ? D.dateTime(u.last_login_at) : "从未登录"));
    tr.appendChild(el("td", "", D.dateTime(u.created_at)));
    var actions = el("td", "actions");
    if (u.active) {
      actions.appendChild(actionButton("停用", "disable danger", "停用 " + u.username, function (b) { disable(u, b); }));
    } else {
      actions.appendChild(actionButton("启用", "enable", "启用 " + u.username, function (b) { enable(u, b); }));
    }
    actions.appendChild(actionButton("重置密码", "reset-password", "重置 " + u.username + " 的密码",
      function (b) { openReset(u, b); }));
    tr.appendChild(actions);
    return tr;
  }

  function load(focusUser, focusClass) {
    return D.api("GET", "/admin/api/users").then(function (users) {
      var body = $("user-rows");
      body.textContent = "";
      (users || []).forEach(function (u) { body.appendChild(row(u)); });
      if (focusUser) {
        var target = body.querySelector('tr[data-username="' + CSS.escape(focusUser) + '"] .' + (focusClass || "reset-password"));
        if (target) { target.focus(); }
      }
    }, function () { /* shown by the helper */ });
  }

  function disable(u, button) {
    if (!window.confirm("停用账号 " + u.username + "？该账号将立即退出，且不能再登录。")) { return; }
    button.disabled = true;
    D.api("POST", "/admin/api/users/" + encodeURIComponent(u.username) + "/disable", {}).then(function () {
      D.status("已停用 " + u.username, "ok");
      return load(u.username, "enable");
    }, function () { button.disabled = false; });
  }

  function enable(u, button) {
    button.disabled = true;
    D.api("POST", "/admin/api/users/" + encodeURIComponent(u.username) + "/enable", {}).then(function () {
      D.status("已启用 " + u.username, "ok");
      return load(u.username, "disable");
    }, function () { button.disabled = false; });
  }

  function openReset(u, button) {
    resetting = u;
    opener = button;
    $("password-user").textContent = u.username;
    $("reset-password").value = "";
    $("password-error").textContent = "";
    $("password-dialog").showModal();
    $("reset-password").focus();
  }

  function submitReset(event) {
    event.preventDefault();
    var password = $("reset-password").value;
    if (!password) { $("password-error").textContent = "请输入新密码"; return; }
    var username = resetting.username;
    $("password-confirm").disabled = true;
    D.api("POST", "/admin/api/users/" + encodeURIComponent(username) + "/password", { password: password },
      { quiet: true }).then(function () {
      $("password-dialog").close();
      if (me && username === me.username) {  // one's own sessions end with the reset
        window.location.assign("/desk/login?next=/admin/users");
        return;
      }
      D.status("已重置 " + username + " 的密码", "ok");
    }, function (err) {
      $("password-error").textContent = err.message;
    }).then(function () { $("password-confirm").disabled = false; });
  }

  function add(event) {
    event.preventDefault();
    var username = $("new-username").value.trim();
    var password = $("new-password").value;
    if (!username || !password) {
      D.status("请填写用户名和初始密码", "error");
      (username ? $("new-password") : $("new-username")).focus();
      return;
    }
    $("add-user").disabled = true;
    D.api("POST", "/admin/api/users", {
      username: username,
      display_name: $("new-display-name").value.trim(),
      role: $("new-role").value,
      password: password
    }).then(function (u) {
      $("add-user-form").reset();
      D.status("已新建账号 " + u.username + "（" + (ROLES[u.role] || u.role) + "）", "ok");
      return load().then(function () { $("new-username").focus(); });
    }, function () { /* the server's reason is shown */ }).then(function () { $("add-user").disabled = false; });
  }

  function start(user) {
    me = user;
    D.setupHeader(user);
    $("add-user-form").addEventListener("submit", add);
    $("password-form").addEventListener("submit", submitReset);
    var dialog = $("password-dialog");
    dialog.querySelector(".cancel").addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () {
      if (opener && document.body.contains(opener)) { opener.focus(); }
      opener = null;
    });
    load();
  }

  D.loadMe().then(start, function () { /* 401 → login page */ });
})();
