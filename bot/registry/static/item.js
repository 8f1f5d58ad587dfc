// The item form of the registry console: every field of a 办事指南, repeatable rows for situations
// (with their own materials), the common materials and the steps (add, remove, move up/down),
// 办理地点 as checkboxes. The form is drawn from a model (the seed-format record); every input
// writes into it. The server validates (the seed's rules) and its problems are shown next to the
// field they concern. Text is only ever set with textContent.
(function () {
  "use strict";
  var D = window.Desk;
  var F = window.RegistryFields;
  var el = D.el;
  var $ = function (id) { return document.getElementById(id); };

  var AUDIENCES = ["自然人", "企业法人", "事业单位法人", "社会组织法人", "其他组织"];
  var FORMS = ["原件", "复印件", "原件及复印件"];
  var SUBMITS = ["纸质", "电子证照", "免提交"];
  var ORIGINS = ["申请人自备", "部门核发"];
  var DEPTHS = ["", "全程网办", "网上预审", "仅线下"];

  var BASIC = [
    { key: "code", kind: "text", help: "字母、数字、- 和 _；保存后不能修改" },
    { key: "name", kind: "text" },
    { key: "category", kind: "text" },
    { key: "item_type", kind: "text", help: "如 行政许可、行政确认、公共服务" },
    { key: "agency", kind: "text" },
    { key: "level", kind: "text", help: "如 区级、市级" },
    { key: "aliases", kind: "lines", help: "居民常说的叫法，每行一个；不能与其他事项重复" },
    { key: "keywords", kind: "lines", help: "不是名称、但能区分本事项的词，每行一个" },
    { key: "audience", kind: "choices", options: AUDIENCES, wide: true },
    { key: "conditions", kind: "area", wide: true },
    { key: "legal_basis", kind: "basis", wide: true,
      help: "每部法律法规写成「《名称》条款（文号，版本，施行日期）」，多部用「；」分隔，如 《居住证暂行条例》第十条（国务院令第663号，2016年1月1日施行）" }
  ];
  var LIMITS = [
    { key: "promised_limit_days", kind: "int", help: "0 = 即办件" },
    { key: "legal_limit_days", kind: "int", help: "法律未规定时留空" },
    { key: "limit_note", kind: "text" },
    { key: "max_visits", kind: "int", help: "0、1 或 2" },
    { key: "fee", kind: "text", help: "不收费时填「不收费」" },
    { key: "fee_basis", kind: "text", help: "不收费也要写依据，如 户口登记不收取费用" }
  ];
  var ONLINE = [
    { key: "online_depth", kind: "select", options: DEPTHS },
    { key: "online_url", kind: "text" },
    { key: "appointment", kind: "bool" },
    { key: "express_delivery", kind: "bool" },
    { key: "consult_phone", kind: "text" },
    { key: "complaint_phone", kind: "text" }
  ];
  var OTHER = [
    { key: "manual_review", kind: "area", wide: true, help: "填写后，助手答完会转人工核实；一般留空" },
    { key: "source", kind: "text" },
    { key: "version", kind: "text" }
  ];
  var MATERIAL = [
    { key: "name", kind: "text", label: "材料名称" },
    { key: "form", kind: "select", options: FORMS },
    { key: "submit", kind: "select", options: SUBMITS, help: "电子证照＝可出示电子证照；免提交＝部门通过数据共享获取" },
    { key: "copies", kind: "int" },
    { key: "origin", kind: "select", options: ORIGINS },
    { key: "required", kind: "bool", label: "必须提交（不勾选＝容缺受理）" },
    { key: "note", kind: "text", wide: true }
  ];
  var SITUATION = [
    { key: "code", kind: "text", label: "情形编码" },
    { key: "name", kind: "text", label: "情形名称" },
    { key: "keywords", kind: "lines", help: "居民描述这种情形时会说的词，每行一个" },
    { key: "description", kind: "text" },
    { key: "promised_limit_days", kind: "int", help: "与事项不同时填写" },
    { key: "fee", kind: "text", optional: true, help: "与事项不同时填写" }
  ];
  var STEP = [
    { key: "name", kind: "text", label: "步骤名称" },
    { key: "time_limit", kind: "text" },
    { key: "description", kind: "text", wide: true }
  ];

  var model = null;
  var version = null;
  var deleted = false;
  var isNew = false;
  var locations = [];

  function blank() {
    return {
      code: "", name: "", aliases: [], keywords: [], category: "", item_type: "", agency: "", level: "区级",
      legal_basis: "", audience: ["自然人"], conditions: "", legal_limit_days: null, promised_limit_days: null,
      limit_note: "", manual_review: "", fee: "不收费", fee_basis: "", online_url: "", online_depth: "",
      appointment: false, express_delivery: false, max_visits: 1, consult_phone: "", complaint_phone: "12345",
      handled_at: [], situation_question: "", situations: [], materials: [], steps: [], source: "", version: ""
    };
  }
  function blankMaterial() {
    return { name: "", form: "原件", submit: "纸质", copies: 1, required: true, origin: "申请人自备", note: "" };
  }
  function blankSituation() {
    return { code: "", name: "", keywords: [], description: "", promised_limit_days: null, fee: null, materials: [] };
  }
  function blankStep() { return { name: "", description: "", time_limit: "" }; }

  function domId(prefix, path) { return prefix + "-" + path.replace(/[\[\].]+/g, "-").replace(/-$/, ""); }

  // The text form of a legal basis (bot/registry/legal.py), which the server reads back.
  function basisText(value) {
    if (!value) { return ""; }
    if (typeof value === "string") { return value; }
    return value.map(function (r) {
      var day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(r.effective || "");
      var effective = day ? Number(day[1]) + "年" + Number(day[2]) + "月" + Number(day[3]) + "日施行" : "";
      var extra = [r.doc_no, r.version, effective, r.note].filter(Boolean);
      return (r.law || "") + (r.article || "") + (extra.length ? "（" + extra.join("，") + "）" : "");
    }).join("；");
  }

  function toInt(text) {
    var t = text.trim();
    if (!t) { return null; }
    return /^\d+$/.test(t) ? parseInt(t, 10) : t;  // anything else goes to the server, which says why
  }

  // One field bound to obj[spec.key]; path is its seed-format path for the server's problems.
  function field(obj, spec, path) {
    var label = spec.label || F.LABELS[spec.key] || spec.key;
    var wrap = el("div", "field" + (spec.wide ? " wide" : "") + (spec.kind === "bool" ? " check-field" : ""));
    wrap.dataset.field = path;
    var id = domId("f", path);
    var input;
    var value = obj[spec.key];
    if (spec.kind === "basis") {
      input = document.createElement("textarea");
      input.rows = 3;
      input.value = basisText(value);
      input.addEventListener("input", function () { obj[spec.key] = input.value; });
    } else if (spec.kind === "area" || spec.kind === "lines") {
      input = document.createElement("textarea");
      input.rows = spec.kind === "lines" ? Math.max(2, Math.min(6, (value || []).length + 1)) : 3;
      input.value = spec.kind === "lines" ? (value || []).join("\n") : (value || "");
      input.addEventListener("input", function () {
        obj[spec.key] = spec.kind === "lines"
          ? input.value.split(/\n/).map(function (s) { return s.trim(); }).filter(Boolean) : input.value;
      });
    } else if (spec.kind === "select") {
      input = document.createElement("select");
      var options = spec.options.slice();
      if (value && options.indexOf(value) < 0) { options.push(value); }
      options.forEach(function (opt) {
        var o = el("option", "", opt || "（未填）");
        o.value = opt;
        input.appendChild(o);
      });
      input.value = value || "";
      input.addEventListener("change", function () { obj[spec.key] = input.value; });
    } else if (spec.kind === "bool") {
      input = document.createElement("input");
      input.type = "checkbox";
      input.checked = !!value;
      input.addEventListener("change", function () { obj[spec.key] = input.checked; });
    } else if (spec.kind === "choices") {
      input = el("div", "choices");
      input.setAttribute("role", "group");
      spec.options.forEach(function (opt, i) {
        var box = document.createElement("input");
        box.type = "checkbox";
        box.id = id + "-" + i;
        box.value = opt;
        box.checked = (value || []).indexOf(opt) >= 0;
        box.addEventListener("change", function () {
          obj[spec.key] = Array.prototype.filter.call(input.querySelectorAll("input"), function (b) { return b.checked; })
            .map(function (b) { return b.value; });
        });
        var l = el("label", "", opt);
        l.htmlFor = box.id;
        var span = el("span", "check");
        span.appendChild(box);
        span.appendChild(l);
        input.appendChild(span);
      });
    } else {
      input = document.createElement("input");
      input.type = "text";
      if (spec.kind === "int") { input.inputMode = "numeric"; }
      input.value = value === null || value === undefined ? "" : String(value);
      input.addEventListener("input", function () {
        if (spec.kind === "int") { obj[spec.key] = toInt(input.value); }
        else if (spec.optional) { obj[spec.key] = input.value.trim() ? input.value : null; }
        else { obj[spec.key] = input.value; }
      });
    }
    input.id = id;
    input.classList.add("input");
    var labelNode = el(spec.kind === "choices" ? "span" : "label", "", label);
    if (spec.kind !== "choices") { labelNode.htmlFor = id; } else { labelNode.id = id + "-label"; input.setAttribute("aria-labelledby", labelNode.id); }
    var error = el("span", "field-error");
    error.id = domId("e", path);
    error.setAttribute("aria-live", "polite");
    input.setAttribute("aria-describedby", error.id);
    if (spec.kind === "code" || (spec.key === "code" && path === "code" && !isNew)) {
      input.readOnly = true;
    }
    if (spec.kind === "bool") {
      wrap.appendChild(input);
      wrap.appendChild(labelNode);
    } else {
      wrap.appendChild(labelNode);
      wrap.appendChild(input);
    }
    if (spec.help) { wrap.appendChild(el("span", "help", spec.help)); }
    wrap.appendChild(error);
    return wrap;
  }

  function fieldset(title, specs, obj, prefix, className) {
    var set = el("fieldset", className || "");
    set.appendChild(el("legend", "", title));
    var grid = el("div", "fields");
    specs.forEach(function (spec) { grid.appendChild(field(obj, spec, prefix + spec.key)); });
    set.appendChild(grid);
    return set;
  }

  function smallButton(text, className, label, handler) {
    var b = el("button", className, text);
    b.type = "button";
    b.setAttribute("aria-label", label);
    b.addEventListener("click", handler);
    return b;
  }

  // A list of rows (materials, situations, steps) with add / remove / move.
  function rowsList(list, path, noun, specs, make, className, extra) {
    var ol = el("ol", "rows-list");
    ol.dataset.list = path;
    list.forEach(function (obj, i) {
      var rowPath = path + "[" + i + "]";
      var li = el("li", "row-box " + className);
      li.dataset.row = rowPath;
      var head = el("div", "row-head");
      var title = noun + " " + (i + 1) + (obj.name ? "：" + obj.name : "");
      head.appendChild(el("span", "row-title", title));
      var up = smallButton("上移", "move-up", "上移" + noun + " " + (i + 1), function () { move(list, i, -1, rowPath, "move-up"); });
      up.disabled = i === 0;
      var down = smallButton("下移", "move-down", "下移" + noun + " " + (i + 1), function () { move(list, i, 1, rowPath, "move-down"); });
      down.disabled = i === list.length - 1;
      head.appendChild(up);
      head.appendChild(down);
      head.appendChild(smallButton("删除", "remove-row danger", "删除" + noun + " " + (i + 1), function () {
        list.splice(i, 1);
        render(path);
      }));
      li.appendChild(head);
      var grid = el("div", "fields");
      specs.forEach(function (spec) { grid.appendChild(field(obj, spec, rowPath + "." + spec.key)); });
      li.appendChild(grid);
      if (extra) { extra(li, obj, rowPath); }
      ol.appendChild(li);
    });
    var wrap = el("div", "rows");
    wrap.appendChild(ol);
    var add = smallButton("添加" + noun, "add-row", "添加" + noun, function () {
      list.push(make());
      render(path + "[" + (list.length - 1) + "]");
    });
    add.dataset.list = path;
    wrap.appendChild(add);
    return wrap;
  }

  function move(list, i, delta, rowPath, buttonClass) {
    var j = i + delta;
    if (j < 0 || j >= list.length) { return; }
    var tmp = list[i];
    list[i] = list[j];
    list[j] = tmp;
    var newPath = rowPath.replace(/\[(\d+)\]$/, "[" + j + "]");
    render(null);
    var row = document.querySelector('[data-row="' + CSS.escape(newPath) + '"] > .row-head .' + buttonClass);
    if (row && !row.disabled) { row.focus(); } else {
      var any = document.querySelector('[data-row="' + CSS.escape(newPath) + '"] > .row-head button');
      if (any) { any.focus(); }
    }
  }

  function locationSet() {
    var set = el("fieldset", "locations");
    set.appendChild(el("legend", "", "办理地点"));
    var wrap = el("div", "field wide");
    wrap.dataset.field = "handled_at";
    var group = el("div", "choices");
    group.id = "f-handled_at";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "办理地点");
    locations.forEach(function (loc) {
      var box = document.createElement("input");
      box.type = "checkbox";
      box.id = "loc-" + loc.code;
      box.value = loc.code;
      box.name = "handled_at";
      box.checked = (model.handled_at || []).indexOf(loc.code) >= 0;
      box.addEventListener("change", function () {
        model.handled_at = Array.prototype.filter.call(group.querySelectorAll("input"), function (b) { return b.checked; })
          .map(function (b) { return b.value; });
      });
      var l = el("label", "", loc.name);
      l.htmlFor = box.id;
      var span = el("span", "check");
      span.appendChild(box);
      span.appendChild(l);
      group.appendChild(span);
    });
    // a code the form does not know (e.g. "district" from a file) is kept as it is
    (model.handled_at || []).forEach(function (code) {
      if (!locations.some(function (loc) { return loc.code === code; })) {
        group.appendChild(el("span", "muted", "（另含 " + code + "）"));
      }
    });
    var error = el("span", "field-error");
    error.id = "e-handled_at";
    group.setAttribute("aria-describedby", error.id);
    wrap.appendChild(group);
    wrap.appendChild(error);
    set.appendChild(wrap);
    return set;
  }

  // Draw the whole form from the model; focus: a row path to focus (its first input) afterwards.
  function render(focus) {
    var form = $("item-form");
    form.textContent = "";
    form.appendChild(fieldset("基本信息", BASIC, model, ""));
    form.appendChild(fieldset("时限与收费", LIMITS, model, ""));
    form.appendChild(fieldset("网上办理与咨询", ONLINE, model, ""));
    form.appendChild(locationSet());

    var sit = el("fieldset", "situations");
    sit.appendChild(el("legend", "", "情形（不同情形需要不同材料时填写）"));
    var qGrid = el("div", "fields");
    qGrid.appendChild(field(model, { key: "situation_question", kind: "text", wide: true,
      help: "有情形时必填，如「您在江州是以哪种条件申领？」" }, "situation_question"));
    sit.appendChild(qGrid);
    sit.appendChild(rowsList(model.situations, "situations", "情形", SITUATION, blankSituation, "situation-box",
      function (li, obj, rowPath) {
        obj.materials = obj.materials || [];
        li.appendChild(el("p", "muted", "这种情形另需的材料："));
        li.appendChild(rowsList(obj.materials, rowPath + ".materials", "材料", MATERIAL, blankMaterial, "material-box"));
      }));
    form.appendChild(sit);

    var mats = el("fieldset", "materials");
    mats.appendChild(el("legend", "", "办理材料（所有申请人都要带的）"));
    mats.appendChild(rowsList(model.materials, "materials", "材料", MATERIAL, blankMaterial, "material-box"));
    form.appendChild(mats);

    var steps = el("fieldset", "steps");
    steps.appendChild(el("legend", "", "办理流程"));
    steps.appendChild(rowsList(model.steps, "steps", "步骤", STEP, blankStep, "step-box"));
    form.appendChild(steps);

    form.appendChild(fieldset("其他", OTHER, model, ""));
    var updated = el("p", "readonly-value muted", "更新日期：" + (model.updated || "保存时为今天") + "（内容有改动时保存为今天）");
    updated.id = "updated";
    form.appendChild(updated);
    clearProblems();
    if (focus) {
      var first = document.querySelector('[data-row="' + CSS.escape(focus) + '"] .input') ||
        document.querySelector('[data-list="' + CSS.escape(focus) + '"].add-row');
      if (first) { first.focus(); }
    }
    $("save").disabled = deleted;
  }

  function clearProblems() {
    Array.prototype.forEach.call(document.querySelectorAll(".field-error"), function (e) { e.textContent = ""; });
    Array.prototype.forEach.call(document.querySelectorAll("[aria-invalid]"), function (e) { e.removeAttribute("aria-invalid"); });
    $("form-errors").hidden = true;
    $("form-errors-list").textContent = "";
  }

  // The field a problem's path belongs to: itself, or the nearest enclosing one shown in the form.
  function fieldFor(path) {
    var p = path;
    while (p) {
      var node = document.querySelector('.field[data-field="' + CSS.escape(p) + '"]');
      if (node) { return node; }
      if (/\[\d+\]$/.test(p)) { p = p.replace(/\[\d+\]$/, ""); } else if (p.indexOf(".") >= 0) { p = p.replace(/\.[^.]*$/, ""); } else { p = ""; }
    }
    return null;
  }

  function showProblems(message, problems) {
    clearProblems();
    var firstInput = null;
    (problems || []).forEach(function (problem) {
      var node = fieldFor(problem.field);
      var li = el("li", "", F.pathLabel(problem.field) + "：" + problem.message);
      li.dataset.field = problem.field;
      $("form-errors-list").appendChild(li);
      if (!node) { return; }
      var error = node.querySelector(".field-error");
      error.textContent = error.textContent ? error.textContent + "；" + problem.message : problem.message;
      var input = node.querySelector(".input") || node.querySelector("input, select, textarea, .choices");
      if (input) {
        input.setAttribute("aria-invalid", "true");
        if (!firstInput) { firstInput = input; }
      }
    });
    $("form-errors-title").textContent = message;
    $("form-errors").hidden = false;
    if (firstInput && firstInput.focus) { firstInput.focus(); }
  }

  function payload() {
    var item = JSON.parse(JSON.stringify(model));
    delete item.updated;  // the server sets today's date when the content changed
    return item;
  }

  function entryText(entry) {
    var names = { create: "新建", update: "修改", delete: "删除", restore: "恢复", revert: "撤销" };
    var fields = (entry.changes || []).map(function (c) { return F.LABELS[c.field] || c.field; })
      .filter(function (f) { return f !== F.LABELS.updated; });
    var what = (names[entry.action] || entry.action) + (entry.action === "update" || entry.action === "revert"
      ? (fields.length ? "：" + fields.join("、") : "") : "");
    return D.dateTime(entry.at) + " · " + entry.actor + " · " + what;
  }

  function showHistory(entries, code) {
    var section = $("history-section");
    var list = $("history");
    list.textContent = "";
    (entries || []).slice(0, 10).forEach(function (entry) {
      var li = el("li", "history-entry", entryText(entry));
      li.dataset.id = entry.id;
      list.appendChild(li);
    });
    $("history-link").href = "/admin/audit?entity=registry_item&key=" + encodeURIComponent(code);
    section.hidden = !(entries && entries.length);
  }

  function apply(data) {
    model = data.item;
    model.situations = model.situations || [];
    model.materials = model.materials || [];
    model.steps = model.steps || [];
    version = data.version;
    deleted = !!data.deleted;
    isNew = false;
    document.title = model.name + " · 管理后台";
    $("form-title").textContent = model.name + "（" + model.code + "）";
    $("deleted-note").hidden = !deleted;
    $("delete").hidden = deleted;
    showHistory(data.history, model.code);
    render(null);
  }

  function save() {
    var button = $("save");
    button.disabled = true;
    $("saved").textContent = "";
    var request = isNew
      ? D.api("POST", "/admin/api/registry/items", { item: payload() }, { quiet: true })
      : D.api("PUT", "/admin/api/registry/items/" + encodeURIComponent(model.code), { item: payload(), version: version },
        { quiet: true });
    request.then(function (data) {
      var created = isNew;
      if (created) { window.history.replaceState(null, "", "/admin/registry/" + encodeURIComponent(data.item.code)); }
      apply(data);
      var unchanged = data.saved && data.saved.action === "unchanged";
      $("saved").textContent = unchanged ? "没有改动" : "已生效";
      D.status(unchanged ? "没有改动" : (created ? "已新建" : "已保存") + "「" + data.item.name + "」，已生效：助手 2 秒内按新内容回答", "ok");
    }, function (err) {
      if (err.status === 400 && err.data && err.data.problems && err.data.problems.length) {
        showProblems(err.message, err.data.problems);
        D.status(err.message + "，见各字段旁的说明", "error");
      } else {
        showProblems(err.message, []);
        D.status(err.message, "error");
      }
    }).then(function () { button.disabled = deleted; });
  }

  function remove() {
    if (!window.confirm("删除「" + model.name + "」？助手将不再回答这个事项；可在列表中「显示已删除」后恢复。")) { return; }
    $("delete").disabled = true;
    D.api("DELETE", "/admin/api/registry/items/" + encodeURIComponent(model.code), { version: version }).then(function (data) {
      apply(data);
      $("saved").textContent = "";
      D.status("已删除「" + data.item.name + "」", "ok");
    }, function () { /* shown */ }).then(function () { $("delete").disabled = false; });
  }

  function restore() {
    $("restore").disabled = true;
    D.api("POST", "/admin/api/registry/items/" + encodeURIComponent(model.code) + "/restore", {}).then(function (data) {
      apply(data);
      D.status("已恢复「" + data.item.name + "」，已生效", "ok");
    }, function () { /* shown */ }).then(function () { $("restore").disabled = false; });
  }

  function start(user) {
    D.setupHeader(user);
    $("save").addEventListener("click", save);
    $("item-form").addEventListener("submit", function (event) { event.preventDefault(); save(); });
    $("delete").addEventListener("click", remove);
    $("restore").addEventListener("click", restore);
    var parts = window.location.pathname.split("/");
    var code = decodeURIComponent(parts[parts.length - 1] || "");
    D.api("GET", "/admin/api/registry/locations").then(function (data) {
      locations = data.locations || [];
      if (code === "new") {
        isNew = true;
        model = blank();
        $("form-title").textContent = "新建事项";
        document.title = "新建事项 · 管理后台";
        render(null);
        $("f-code").focus();
        return null;
      }
      return D.api("GET", "/admin/api/registry/items/" + encodeURIComponent(code)).then(apply);
    }, function () { /* shown */ });
  }

  D.loadMe().then(start, function () { /* 401 → login page */ });
})();
