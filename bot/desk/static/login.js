// Login form: POST /desk/api/login (JSON), then on to ?next= when it is a page of this console.
(function () {
  "use strict";
  var form = document.getElementById("login-form");
  var username = document.getElementById("username");
  var password = document.getElementById("password");
  var button = document.getElementById("login");

  // Only a local path of the console: "/desk/…" or "/admin/…", never "//host", "\", or a scheme.
  function target() {
    var next = new URLSearchParams(window.location.search).get("next") || "";
    if (/^\/(desk|admin)\//.test(next) && !/[\\\u0000-\u001f\u007f]/.test(next) && next.indexOf("//") === -1) {
      return next;
    }
    return "/desk/";
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var name = username.value.trim();
    if (!name || !password.value) {
      Desk.status("请输入用户名和密码", "error");
      (name ? password : username).focus();
      return;
    }
    button.disabled = true;
    Desk.status("正在登录……", "info");
    Desk.api("POST", "/desk/api/login", { username: name, password: password.value }, { allow401: true })
      .then(function () {
        window.location.assign(target());
      }, function () {
        button.disabled = false;
        password.value = "";
        password.focus();
      });
  });
})();
