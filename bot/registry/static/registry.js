// The registry list: search by name, alias, code or agency; deleted items on request, with 恢复.
// Uses /admin/api/registry/items; text is set with textContent only.
(function () {
  "use strict";
  var D = window.Desk;
  var el = D.el;
  var $ = function (id) { return document.getElementById(id); };

  function row(item) {
    var tr = el("tr", "item-row" + (item.deleted ? " deleted" : ""));
    tr.dataset.code = item.code;
    tr.appendChild(el("td", "code", item.code));
    var name = el("td", "name");
    var link = el("a", "edit-link", item.name);
    link.href = "/admin/registry/" + encodeURIComponent(item.code);
    name.appendChild(link);
    if (item.deleted) { name.appendChild(el("span", "deleted-label", "已删除")); }
    tr.appendChild(name);
    tr.appendChild(el("td", "aliases", (item.aliases || []).join("、")));
    tr.appendChild(el("td", "agency", item.agency));
    tr.appendChild(el("td", "updated", item.updated || ""));
    var actions = el("td", "actions");
    if (item.deleted) {
      var restore = el("button", "restore", "恢复");
      restore.type = "button";
      restore.setAttribute("aria-label", "恢复 " + item.name);
      restore.addEventListener("click", function () { doRestore(item, restore); });
      actions.appendChild(restore);
    } else {
      var edit = el("a", "edit", "编辑");
      edit.href = link.href;
      edit.setAttribute("aria-label", "编辑 " + item.name);
      actions.appendChild(edit);
    }
    tr.appendChild(actions);
    return tr;
  }

  function load() {
    var q = $("q").value.trim();
    var params = "?q=" + encodeURIComponent(q) + ($("show-deleted").checked ? "&deleted=1" : "");
    var query = (q ? "?q=" + encodeURIComponent(q) : "") + ($("show-deleted").checked ? (q ? "&" : "?") + "deleted=1" : "");
    window.history.replaceState(null, "", "/admin/registry" + query);
    return D.api("GET", "/admin/api/registry/items" + params).then(function (data) {
      var body = $("item-rows");
      body.textContent = "";
      var items = data.items || [];
      items.forEach(function (item) { body.appendChild(row(item)); });
      if (!items.length) {
        var tr = el("tr", "empty-row");
        var td = el("td", "empty", q ? "没有找到匹配「" + q + "」的事项" : "还没有事项");
        td.colSpan = 6;
        tr.appendChild(td);
        body.appendChild(tr);
      }
      $("count").textContent = "共 " + items.length + " 项";
    }, function () { /* shown by the helper */ });
  }

  function doRestore(item, button) {
    button.disabled = true;
    D.api("POST", "/admin/api/registry/items/" + encodeURIComponent(item.code) + "/restore", {}).then(function () {
      D.status("已恢复「" + item.name + "」，助手 2 秒内即可回答", "ok");
      return load();
    }, function () { button.disabled = false; });
  }

  function start(user) {
    D.setupHeader(user);
    var params = new URLSearchParams(window.location.search);
    $("q").value = params.get("q") || "";
    $("show-deleted").checked = params.get("deleted") === "1";
    $("search-form").addEventListener("submit", function (event) { event.preventDefault(); load(); });
    $("show-deleted").addEventListener("change", load);
    load();
  }

  D.loadMe().then(start, function () { /* 401 → login page */ });
})();
