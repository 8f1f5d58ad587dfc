// The NLU editor: intents and their examples (add, edit, delete, with the clash and near-duplicate
// checks), synonyms, the hand-kept jieba words and the typo table. Every change sends the version
// its data was loaded with; a 409 says someone changed it since, and the data is reloaded.
// Text is only ever set with textContent. Uses /admin/api/nlu/* and /admin/api/audit (bot/nlu_admin/api.py).
(function () {
  "use strict";
  var D = window.Desk;
  var el = D.el;
  var $ = function (id) { return document.getElementById(id); };
  var API = "/admin/api/nlu";
  var current = null;     // the intent shown: {name, version, examples, ...}
  var editing = null;     // the example being edited (its text), or null when adding
  var tables = {};        // words / corrections: {rows, version}
  var synonymVersion = null;

  function button(text, className, label, handler) {
    var b = el("button", className, text);
    b.type = "button";
    b.setAttribute("aria-label", label);
    b.addEventListener("click", function () { handler(b); });
    return b;
  }

  function path(name) { return API + "/intents/" + encodeURIComponent(name); }

  // -- tabs ----------------------------------------------------------------------------------
  function selectTab(tab) {
    document.querySelectorAll(".nlu-tabs [role=tab]").forEach(function (t) {
      var on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute("aria-controls")).hidden = !on;
    });
    var loaders = { "tab-synonyms": loadSynonyms, "tab-words": function () { loadTable("words"); },
                    "tab-corrections": function () { loadTable("corrections"); } };
    if (loaders[tab.id]) { loaders[tab.id](); }
  }

  function setupTabs() {
    var tabs = Array.prototype.slice.call(document.querySelectorAll(".nlu-tabs [role=tab]"));
    tabs.forEach(function (tab, i) {
      tab.addEventListener("click", function () { selectTab(tab); });
      tab.addEventListener("keydown", function (e) {
        var next = e.key === "ArrowRight" ? tabs[(i + 1) % tabs.length] : e.key === "ArrowLeft" ? tabs[(i + tabs.length - 1) % tabs.length] : null;
        if (next) { e.preventDefault(); next.focus(); selectTab(next); }
      });
    });
  }

  // -- training status (the model lifecycle connects a trainer; see training_hook.py) ----------
  function loadStatus() {
    return D.api("GET", API + "/status").then(function (s) {
      $("fingerprint").textContent = s.fingerprint.slice(0, 12);
      $("trainer").hidden = !s.trainer;
      $("trainer-note").hidden = !!s.trainer;
      $("trainer-status").textContent = s.trainer ? (s.trainer.message || (s.trainer.running ? "训练中…" : "")) : "";
    }, function () { /* shown */ });
  }

  function train(b) {
    b.disabled = true;
    D.api("POST", API + "/train", {}).then(function (r) {
      D.status(r.message || "已开始训练", "ok");
      return loadStatus();
    }, function () { /* shown */ }).then(function () { b.disabled = false; });
  }

  // -- intents --------------------------------------------------------------------------------
  function loadIntents(select) {
    return D.api("GET", API + "/intents").then(function (data) {
      var list = $("intent-rows");
      list.textContent = "";
      $("fingerprint").textContent = data.fingerprint.slice(0, 12);
      data.intents.forEach(function (i) {
        var li = el("li", "intent-row" + (i.in_domain ? "" : " not-in-domain"));
        li.dataset.intent = i.name;
        var a = button(i.name, "intent-open", "打开意图 " + i.name + "（" + i.count + " 条例句）", function () { openIntent(i.name); });
        a.appendChild(el("span", "count", String(i.count)));
        if (current && current.name === i.name) { a.setAttribute("aria-current", "true"); }
        li.appendChild(a);
        if (!i.in_domain) { li.appendChild(el("span", "warn", "不在 domain.yml 中")); }
        list.appendChild(li);
      });
      if (select) { return openIntent(select); }
    }, function () { /* shown */ });
  }

  function entityText(ex) {
    return ex.entities.map(function (e) { return e.text + " → " + e.entity + (e.value !== e.text ? "（" + e.value + "）" : ""); }).join("；");
  }

  function exampleRow(ex) {
    var tr = el("tr", "example-row");
    tr.dataset.text = ex.text;
    tr.appendChild(el("td", "example", ex.text));
    tr.appendChild(el("td", "entities muted", entityText(ex)));
    var actions = el("td", "actions");
    if (current.editable && current.in_domain) {
      actions.appendChild(button("修改", "edit", "修改例句 " + ex.text, function () { startEdit(ex.text); }));
      actions.appendChild(button("删除", "delete danger", "删除例句 " + ex.text, function (b) { remove(ex.text, b); }));
    }
    tr.appendChild(actions);
    return tr;
  }

  function showExamples() {
    var body = $("example-rows");
    var q = $("filter-q").value.trim().toLowerCase();
    body.textContent = "";
    var shown = current.examples.filter(function (ex) { return !q || ex.text.toLowerCase().indexOf(q) >= 0; });
    shown.forEach(function (ex) { body.appendChild(exampleRow(ex)); });
    $("example-count").textContent = "共 " + current.examples.length + " 条" + (q ? "，筛选出 " + shown.length + " 条" : "");
  }

  function openIntent(name) {
    return D.api("GET", path(name)).then(function (data) {
      current = data;
      $("intent-title").textContent = "意图：" + data.name;
      $("intent-files").textContent = (data.files.length ? "文件：" + data.files.join("、") : "还没有例句（添加后写入 console.yml）") +
        (data.in_domain ? "" : "。此意图不在 domain.yml 中，不能编辑。");
      $("example-form").hidden = !data.in_domain || !data.editable;
      $("filter-form").hidden = false;
      $("example-table").hidden = false;
      $("intent-history").hidden = false;
      document.querySelectorAll("#intent-rows .intent-open").forEach(function (b) {
        if (b.parentNode.dataset.intent === name) { b.setAttribute("aria-current", "true"); } else { b.removeAttribute("aria-current"); }
      });
      showExamples();
      loadHistory();
    }, function () { /* shown */ });
  }

  function refresh() {
    return loadIntents(current ? current.name : null);
  }

  function notes(items, kind) {
    var box = $("example-notes");
    box.textContent = "";
    if (!items || !items.length) { return; }
    var ul = el("ul", "notes-" + kind);
    items.forEach(function (t) { ul.appendChild(el("li", "", t)); });
    box.appendChild(ul);
  }

  function similarNotes(similar) {
    return similar.map(function (s) { return "与意图 " + s.intent + " 的例句「" + s.example + "」十分相近（相似度 " + s.score + "）：请确认它确实属于本意图"; });
  }

  function onRefused(err) {
    if (err && err.status === 409 && err.data && err.data.version) {
      refresh();  // stale: the data changed since it was loaded
    }
    notes([err.message], "error");
  }

  function checkExample() {
    var text = $("example-text").value;
    if (!current || !text.trim()) { D.status("请输入例句", "error"); return; }
    D.api("POST", API + "/check", { intent: current.name, text: text, old: editing }, { quiet: true }).then(function (r) {
      notes(r.similar.length ? similarNotes(r.similar) : ["可以添加：没有冲突，也没有十分相近的其他意图例句"], r.similar.length ? "warn" : "ok");
    }, onRefused);
  }

  function saveExample(event) {
    event.preventDefault();
    var text = $("example-text").value;
    if (!current || !text.trim()) { D.status("请输入例句", "error"); return; }
    $("example-save").disabled = true;
    var call = editing === null
      ? D.api("POST", path(current.name) + "/examples", { text: text, version: current.version }, { quiet: true })
      : D.api("PUT", path(current.name) + "/examples", { old: editing, text: text, version: current.version }, { quiet: true });
    var wasEditing = editing;
    call.then(function (r) {
      D.status(wasEditing === null ? "已添加例句" : "已修改例句", "ok");
      notes(similarNotes(r.similar), "warn");
      cancelEdit(true);
      return refresh();
    }, onRefused).then(function () { $("example-save").disabled = false; });
  }

  function startEdit(text) {
    editing = text;
    $("example-form-title").textContent = "修改例句";
    $("example-save").textContent = "保存修改";
    $("example-cancel").hidden = false;
    $("example-text").value = text;
    $("example-text").focus();
  }

  function cancelEdit(keepNotes) {
    editing = null;
    $("example-form-title").textContent = "添加例句";
    $("example-save").textContent = "添加";
    $("example-cancel").hidden = true;
    $("example-text").value = "";
    if (keepNotes !== true) { notes([], "ok"); }
  }

  function remove(text, b) {
    if (!window.confirm("删除例句「" + text + "」？（可在修改记录中撤销）")) { return; }
    b.disabled = true;
    D.api("DELETE", path(current.name) + "/examples", { text: text, version: current.version }).then(function () {
      D.status("已删除例句", "ok");
      return refresh();
    }, function (err) { b.disabled = false; if (err.status === 409) { refresh(); } });
  }

  function loadHistory() {
    if (!current) { return; }
    D.api("GET", "/admin/api/audit?entity=nlu_example&key=" + encodeURIComponent(current.name) + "&limit=30").then(function (data) {
      var list = $("history-rows");
      list.textContent = "";
      if (!data.entries.length) { list.appendChild(el("li", "muted", "还没有在后台修改过")); }
      data.entries.forEach(function (h) {
        var li = el("li", "history-item");
        li.dataset.id = h.id;
        var what = h.before && h.after ? "「" + h.before.example + "」→「" + h.after.example + "」" :
          h.after ? "添加「" + h.after.example + "」" : "删除「" + h.before.example + "」";
        li.appendChild(el("span", "", D.dateTime(h.at) + " · " + h.actor + " · " + what));
        li.appendChild(button("撤销", "revert", "撤销修改 " + h.id, function (b) {
          b.disabled = true;
          D.api("POST", "/admin/api/audit/" + h.id + "/revert", {}).then(function () {
            D.status("已撤销修改 " + h.id, "ok");
            return refresh();
          }, function () { b.disabled = false; });
        }));
        list.appendChild(li);
      });
    }, function () { /* shown */ });
  }

  function search(event) {
    event.preventDefault();
    var q = $("search-q").value.trim();
    var list = $("search-hits");
    list.textContent = "";
    if (!q) { return; }
    D.api("GET", API + "/search?q=" + encodeURIComponent(q)).then(function (data) {
      if (!data.hits.length) { list.appendChild(el("li", "muted", "没有找到")); }
      data.hits.forEach(function (h) {
        var li = el("li", "search-hit");
        li.appendChild(button(h.intent, "hit-intent", "打开意图 " + h.intent, function () { openIntent(h.intent); }));
        li.appendChild(el("span", "example", h.text));
        list.appendChild(li);
      });
    }, function () { /* shown */ });
  }

  // -- synonyms -------------------------------------------------------------------------------
  function splitWords(text) {
    return text.split(/[,，、;；\n]+/).map(function (w) { return w.trim(); }).filter(function (w) { return w; });
  }

  function loadSynonyms() {
    return D.api("GET", API + "/synonyms").then(function (data) {
      synonymVersion = data.version;
      var body = $("synonym-rows");
      body.textContent = "";
      if (!data.synonyms.length) {
        var tr = el("tr", "");
        var td = el("td", "muted", "还没有手工维护的同义词");
        td.colSpan = 4;
        tr.appendChild(td);
        body.appendChild(tr);
      }
      data.synonyms.forEach(function (s) {
        var tr = el("tr", "synonym-row");
        tr.dataset.value = s.value;
        tr.appendChild(el("td", "value", s.value));
        tr.appendChild(el("td", "words", s.examples.join("、")));
        tr.appendChild(el("td", "muted", s.file));
        var actions = el("td", "actions");
        if (s.editable) {
          actions.appendChild(button("修改", "edit", "修改同义词 " + s.value, function () {
            $("synonym-value").value = s.value;
            $("synonym-words").value = s.examples.join("，");
            $("synonym-words").focus();
          }));
          actions.appendChild(button("删除", "delete danger", "删除同义词 " + s.value, function (b) {
            if (!window.confirm("删除同义词「" + s.value + "」？")) { return; }
            b.disabled = true;
            D.api("DELETE", API + "/synonyms", { value: s.value, version: synonymVersion }).then(function () {
              D.status("已删除同义词 " + s.value, "ok");
              return loadSynonyms();
            }, function () { b.disabled = false; loadSynonyms(); });
          }));
        }
        tr.appendChild(actions);
        body.appendChild(tr);
      });
      $("generated-count").textContent = String(data.generated.length);
      var gen = $("generated-rows");
      gen.textContent = "";
      data.generated.forEach(function (s) { gen.appendChild(el("li", "", s.value + "：" + s.examples.join("、"))); });
    }, function () { /* shown */ });
  }

  function saveSynonym(event) {
    event.preventDefault();
    var value = $("synonym-value").value;
    var words = splitWords($("synonym-words").value);
    $("synonym-save").disabled = true;
    D.api("PUT", API + "/synonyms", { value: value, examples: words, version: synonymVersion }).then(function () {
      D.status("已保存同义词 " + value.trim(), "ok");
      $("synonym-form").reset();
      return loadSynonyms();
    }, function (err) { if (err.status === 409) { loadSynonyms(); } }).then(function () { $("synonym-save").disabled = false; });
  }

  // -- words and typos: two line tables with the same shape -----------------------------------
  var TABLES = {
    words: { key: "word", columns: ["word", "freq", "tag"], label: "领域词", rows: "word-rows",
             form: function () { return { word: $("word-word").value, freq: $("word-freq").value, tag: $("word-tag").value }; },
             edit: function (r) { return { freq: window.prompt("「" + r.word + "」的词频", String(r.freq || "")), tag: r.tag }; } },
    corrections: { key: "wrong", columns: ["wrong", "right"], label: "错别字", rows: "correction-rows",
                   form: function () { return { wrong: $("correction-wrong").value, right: $("correction-right").value }; },
                   edit: function (r) { return { right: window.prompt("「" + r.wrong + "」的正确写法", r.right) }; } }
  };

  function loadTable(name) {
    var t = TABLES[name];
    return D.api("GET", API + "/" + name).then(function (data) {
      tables[name] = data;
      var body = $(t.rows);
      body.textContent = "";
      data.rows.forEach(function (r) {
        var tr = el("tr", name + "-row");
        tr.dataset.key = r[t.key];
        t.columns.forEach(function (c) { tr.appendChild(el("td", c, r[c] === null ? "" : String(r[c]))); });
        var actions = el("td", "actions");
        actions.appendChild(button("修改", "edit", "修改" + t.label + " " + r[t.key], function (b) {
          var body = t.edit(r);
          if (Object.keys(body).some(function (k) { return body[k] === null; })) { return; }
          change(name, "PUT", "/" + encodeURIComponent(r[t.key]), body, "已修改", b);
        }));
        actions.appendChild(button("删除", "delete danger", "删除" + t.label + " " + r[t.key], function (b) {
          if (window.confirm("删除" + t.label + "「" + r[t.key] + "」？")) { change(name, "DELETE", "/" + encodeURIComponent(r[t.key]), {}, "已删除", b); }
        }));
        tr.appendChild(actions);
        body.appendChild(tr);
      });
    }, function () { /* shown */ });
  }

  function change(name, method, suffix, body, done, b) {
    if (b) { b.disabled = true; }
    body.version = tables[name] ? tables[name].version : "";
    return D.api(method, API + "/" + name + suffix, body).then(function () {
      D.status(done + TABLES[name].label, "ok");
      if (method === "POST") { $(name === "words" ? "word-form" : "correction-form").reset(); }
      return loadTable(name);
    }, function (err) { if (b) { b.disabled = false; } if (err.status === 409) { loadTable(name); } });
  }

  function start(user) {
    D.setupHeader(user);
    setupTabs();
    $("train").addEventListener("click", function () { train($("train")); });
    $("search-form").addEventListener("submit", search);
    $("example-form").addEventListener("submit", saveExample);
    $("example-check").addEventListener("click", checkExample);
    $("example-cancel").addEventListener("click", cancelEdit);
    $("filter-form").addEventListener("submit", function (e) { e.preventDefault(); });
    $("filter-q").addEventListener("input", function () { if (current) { showExamples(); } });
    $("synonym-form").addEventListener("submit", saveSynonym);
    $("word-form").addEventListener("submit", function (e) { e.preventDefault(); change("words", "POST", "", TABLES.words.form(), "已添加"); });
    $("correction-form").addEventListener("submit", function (e) { e.preventDefault(); change("corrections", "POST", "", TABLES.corrections.form(), "已添加"); });
    loadStatus();
    var wanted = new URLSearchParams(window.location.search).get("intent");
    loadIntents(wanted);
  }

  D.loadMe().then(start, function () { /* 401 → login page */ });
})();
