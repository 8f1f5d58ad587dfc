// Shared by the desk console's pages: the JSON fetch helper (session cookie + CSRF token), the
// visible status area, the page header, and time formatting. Text is only ever set with
// textContent, never as HTML.
(function () {
  "use strict";
  var csrfToken = null;
  var me = null;
  var clearTimer = null;

  function loginUrl() {
    return "/desk/login?next=" + encodeURIComponent(window.location.pathname + window.location.search);
  }

  // The visible status area (#status). kind: "error" stays until replaced; "ok" and "info" fade.
  function status(text, kind) {
    var el = document.getElementById("status");
    if (!el) { return; }
    window.clearTimeout(clearTimer);
    el.textContent = text || "";
    el.className = "status" + (text ? " " + (kind || "info") : "");
    if (text && kind !== "error") {
      clearTimer = window.setTimeout(function () { el.textContent = ""; el.className = "status"; }, 6000);
    }
  }

  function ApiError(message, statusCode, data) {
    this.name = "ApiError";
    this.message = message;
    this.status = statusCode;
    this.data = data;
  }
  ApiError.prototype = Object.create(Error.prototype);
  ApiError.prototype.constructor = ApiError;

  // api("GET", "/desk/api/tickets?status=waiting") → Promise of the parsed JSON answer.
  // A {"error"} answer (or any non-2xx) rejects with an ApiError whose message is the server's reason
  // and, unless options.quiet, shows it in #status. A 401 sends the browser to the login page.
  function api(method, path, body, options) {
    options = options || {};
    var init = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (method !== "GET" && method !== "HEAD") {
      if (csrfToken) { init.headers["X-CSRF-Token"] = csrfToken; }
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body === undefined ? {} : body);
    }
    return window.fetch(path, init).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        if (text) { try { data = JSON.parse(text); } catch (e) { data = null; } }
        if (response.status === 401 && !options.allow401) {
          window.location.assign(loginUrl());
          throw new ApiError("登录已过期，请重新登录", 401, data);
        }
        if (!response.ok || (data && typeof data === "object" && !Array.isArray(data) && data.error)) {
          var reason = data && data.error ? String(data.error) : "操作失败（" + response.status + "）";
          throw new ApiError(reason, response.status, data);
        }
        return data;
      });
    }, function () {
      throw new ApiError("连不上服务器，请检查网络", 0, null);
    }).catch(function (err) {
      if (!options.quiet && err && (err.status !== 401 || options.allow401)) { status(err.message, "error"); }
      throw err;
    });
  }

  // Who is logged in (GET /desk/api/me); keeps the CSRF token for later calls.
  function loadMe() {
    return api("GET", "/desk/api/me").then(function (data) {
      csrfToken = data.csrf_token;
      me = data.user;
      return me;
    });
  }

  // The header every console page shares: name, 管理后台 (#admin-link) for admins, 退出.
  function setupHeader(user) {
    var name = document.getElementById("me-name");
    if (name) { name.textContent = user.display_name || user.username; }
    var admin = document.getElementById("admin-link");
    if (admin) { admin.hidden = user.role !== "admin"; }
    var logout = document.getElementById("logout");
    if (logout) {
      logout.addEventListener("click", function () {
        logout.disabled = true;
        api("POST", "/desk/api/logout").then(function () {
          window.location.assign("/desk/login");
        }, function () { logout.disabled = false; });
      });
    }
  }

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  // 75 → "01:15"; an hour or more keeps counting minutes ("75:03").
  function duration(seconds) {
    var s = Math.max(0, Math.floor(seconds || 0));
    return pad(Math.floor(s / 60)) + ":" + pad(s % 60);
  }

  function parseTime(iso) {
    if (!iso) { return null; }
    var d = new Date(iso);
    return isNaN(d.getTime()) ? null : d;
  }

  // ISO time → "14:05:09" today, "11-26 14:05" another day; "" when absent.
  function time(iso) {
    var d = parseTime(iso);
    if (!d) { return iso ? String(iso) : ""; }
    var now = new Date();
    var hm = pad(d.getHours()) + ":" + pad(d.getMinutes());
    if (d.toDateString() === now.toDateString()) { return hm + ":" + pad(d.getSeconds()); }
    return pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + hm;
  }

  // ISO time → "2026-11-27 14:05".
  function dateTime(iso) {
    var d = parseTime(iso);
    if (!d) { return iso ? String(iso) : ""; }
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  // A new element with a class and text (text via textContent).
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  window.Desk = {
    api: api,
    ApiError: ApiError,
    loadMe: loadMe,
    me: function () { return me; },
    setupHeader: setupHeader,
    status: status,
    duration: duration,
    time: time,
    dateTime: dateTime,
    el: el,
    loginUrl: loginUrl
  };
})();
