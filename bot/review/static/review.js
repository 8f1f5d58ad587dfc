// The review queue: groups of similar messages the assistant did not handle well; each group's texts
// (all chosen by default) can be added as examples of an intent, made into an FAQ entry, or
// dismissed. Uses /admin/api/review, /admin/api/nlu/intents and /admin/api/audit (revert a decision).
// Text is only ever set with textContent (the messages are residents' words).
(function () {
  "use strict";
  var D = window.Desk;
  var el = D.el;
  var $ = function (id) { return document.getElementById(id); };
  var REASONS = { fallback: "未理解", low_confidence: "置信度低", rated: "差评" };
  var ACTIONS = { examples: "加入例句", faq: "建为常见问题", dismiss: "忽略" };
  var intents = [];
  var shown = 0;
  var PAGE = 50;

  function button(text, className, label, handler) {
    var b = el("button", className, text);
    b.type = "button";
    if (label) { b.setAttribute("aria-label", label); }
    b.addEventListener("click", function () { handler(b); });
    return b;
  }

  function field(labelText, input) {
    var p = el("p", "field");
    var label = el("label", "", labelText);
    input.id = input.id || ("f" + Math.random().toString(36).slice(2));
    label.htmlFor = input.id;
    p.appendChild(label);
    p.appendChild(input);
    return p;
  }

  function chosenTexts(box) {
    return Array.prototype.slice.call(box.querySelectorAll("input.choose:checked")).map(function (c) { return c.value; });
  }

  function send(body, b) {
    b.disabled = true;
    body.days = Number($("queue-days").value);
    return D.api("POST", "/admin/api/review/decisions", body).then(function (d) {
      var msg = ACTIONS[d.action] + "：已处理 " + d.messages + " 条消息";
      if (d.action === "examples") {
        msg += "，加入例句 " + d.examples.length + " 条" + (d.refused.length ? "，未加入 " + d.refused.length + " 条（" + d.refused[0].error + "）" : "");
        if (d.similar.length) { msg += "；提示：与意图 " + d.similar[0].intent + " 的例句「" + d.similar[0].example + "」十分相近"; }
      }
      D.status(msg, "ok");
      return Promise.all([load(true), loadDecisions()]);
    }, function () { b.disabled = false; });
  }

  function examplesForm(group, box) {
    var form = el("form", "decide decide-examples");
    form.noValidate = true;
    var select = el("select", "intent");
    intents.forEach(function (i) {
      var o = el("option", "", i.name);
      o.value = i.name;
      select.appendChild(o);
    });
    if (group.intents.length) {
      var guess = group.intents.map(function (g) { return g.intent; }).filter(function (n) { return intents.some(function (i) { return i.name === n; }); })[0];
      if (guess) { select.value = guess; }
    }
    var area = el("textarea", "examples");
    area.rows = 4;
    area.value = chosenTexts(box).join("\n");
    box.addEventListener("change", function () { area.value = chosenTexts(box).join("\n"); });
    form.appendChild(field("意图", select));
    form.appendChild(field("例句（每行一句，可修改或加实体标注）", area));
    var submit = button("加入例句", "primary submit-examples", "", function (b) {
      var lines = area.value.split("\n").map(function (t) { return t.trim(); }).filter(function (t) { return t; });
      var texts = chosenTexts(box);
      if (!texts.length || !lines.length) { D.status("请至少选择一种说法", "error"); return; }
      send({ action: "examples", texts: texts, intent: select.value, examples: lines }, b);
    });
    form.appendChild(submit);
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    return form;
  }

  function faqForm(group, box) {
    var form = el("form", "decide decide-faq");
    form.noValidate = true;
    var q = el("input", "question");
    q.type = "text";
    q.maxLength = 500;
    q.value = group.text;
    var a = el("textarea", "answer");
    a.rows = 4;
    a.maxLength = 5000;
    var dep = el("input", "department");
    dep.type = "text";
    dep.maxLength = 100;
    form.appendChild(field("问题", q));
    form.appendChild(field("答案", a));
    form.appendChild(field("部门", dep));
    form.appendChild(button("建为常见问题", "primary submit-faq", "", function (b) {
      var texts = chosenTexts(box);
      if (!texts.length) { D.status("请至少选择一种说法", "error"); return; }
      if (!a.value.trim()) { D.status("请填写答案", "error"); a.focus(); return; }
      send({ action: "faq", texts: texts, question: q.value, answer: a.value, department: dep.value }, b);
    }));
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    return form;
  }

  function groupItem(group, index) {
    var li = el("li", "group");
    li.dataset.index = String(index);
    var details = el("details");
    var summary = el("summary", "group-summary");
    summary.appendChild(el("span", "count", String(group.count)));
    summary.appendChild(el("span", "text", group.text));
    Object.keys(group.reasons).forEach(function (r) { summary.appendChild(el("span", "reason reason-" + r, REASONS[r] + " " + group.reasons[r])); });
    if (group.texts.length > 1) { summary.appendChild(el("span", "muted", group.texts.length + " 种说法")); }
    summary.appendChild(el("span", "muted when", "最近 " + D.dateTime(group.last_at)));
    details.appendChild(summary);

    var body = el("div", "group-body");
    if (group.intents.length) {
      body.appendChild(el("p", "hint", "模型猜测：" + group.intents.map(function (i) { return i.intent + "（" + i.count + "）"; }).join("、")));
    }
    var box = el("fieldset", "texts");
    box.appendChild(el("legend", "", "说法（选中的一起处理）"));
    group.texts.forEach(function (t) {
      var label = el("label", "text-choice");
      var check = el("input", "choose");
      check.type = "checkbox";
      check.checked = true;
      check.value = t.text;
      label.appendChild(check);
      label.appendChild(el("span", "said", t.text));
      label.appendChild(el("span", "muted", " × " + t.count));
      box.appendChild(label);
    });
    body.appendChild(box);
    var panes = el("div", "decisions");
    panes.appendChild(examplesForm(group, box));
    panes.appendChild(faqForm(group, box));
    var dismiss = el("div", "decide decide-dismiss");
    dismiss.appendChild(button("忽略", "danger submit-dismiss", "忽略这组消息", function (b) {
      var texts = chosenTexts(box);
      if (!texts.length) { D.status("请至少选择一种说法", "error"); return; }
      if (window.confirm("忽略选中的 " + texts.length + " 种说法？它们不会再出现在待审队列中。")) { send({ action: "dismiss", texts: texts }, b); }
    }));
    panes.appendChild(dismiss);
    body.appendChild(panes);
    details.appendChild(body);
    li.appendChild(details);
    return li;
  }

  var data = null;
  function render(reset) {
    var list = $("groups");
    if (reset) { list.textContent = ""; shown = 0; }
    if (!data.groups.length && reset) { list.appendChild(el("li", "empty", "没有待审消息")); }
    data.groups.slice(shown, shown + PAGE).forEach(function (g, i) { list.appendChild(groupItem(g, shown + i)); });
    shown = Math.min(data.groups.length, shown + PAGE);
    $("groups-more").hidden = shown >= data.groups.length;
  }

  function load(reset) {
    var days = $("queue-days").value;
    return D.api("GET", "/admin/api/review?limit=200&days=" + encodeURIComponent(days)).then(function (d) {
      data = d;
      $("threshold").textContent = d.threshold.toFixed(2);
      $("queue-total").textContent = "共 " + d.total_groups + " 组，" + d.total_messages + " 条消息" +
        (d.total_groups > d.groups.length ? "（显示最多的 " + d.groups.length + " 组）" : "");
      render(reset !== false);
    }, function () { /* shown */ });
  }

  function loadDecisions() {
    return D.api("GET", "/admin/api/review/decisions").then(function (d) {
      var body = $("decision-rows");
      body.textContent = "";
      d.decisions.forEach(function (x) {
        var tr = el("tr", "decision-row" + (x.reopened ? " inactive" : ""));
        tr.dataset.id = x.id;
        tr.appendChild(el("td", "", D.dateTime(x.created_at)));
        tr.appendChild(el("td", "", x.actor));
        tr.appendChild(el("td", "", ACTIONS[x.action] + (x.intent ? "：" + x.intent : "") + (x.faq_id ? "：#" + x.faq_id : "") + (x.reopened ? "（已撤销）" : "")));
        tr.appendChild(el("td", "", String(x.messages)));
        tr.appendChild(el("td", "said", x.texts.slice(0, 3).join("；") + (x.texts.length > 3 ? "…" : "")));
        var actions = el("td", "actions");
        if (!x.reopened) {
          actions.appendChild(button("撤销", "reopen", "撤销处理 " + x.id + "，消息回到待审队列", function (b) { reopen(x, b); }));
        }
        tr.appendChild(actions);
        body.appendChild(tr);
      });
    }, function () { /* shown */ });
  }

  function reopen(decision, b) {
    b.disabled = true;
    D.api("GET", "/admin/api/audit?entity=review_decision&key=" + decision.id).then(function (d) {
      var entry = d.entries.filter(function (e) { return e.action === "create"; })[0];
      if (!entry) { throw new D.ApiError("找不到这条处理的修改记录", 404, null); }
      return D.api("POST", "/admin/api/audit/" + entry.id + "/revert", {});
    }).then(function () {
      D.status("已撤销处理 " + decision.id + "：消息回到待审队列" + (decision.action === "examples" ? "（已加入的例句请在语言理解页撤销）" : ""), "ok");
      return Promise.all([load(true), loadDecisions()]);
    }, function (err) { b.disabled = false; if (err && err.message) { D.status(err.message, "error"); } });
  }

  function start(user) {
    D.setupHeader(user);
    $("queue-form").addEventListener("submit", function (e) { e.preventDefault(); load(true); });
    $("queue-days").addEventListener("change", function () { load(true); });
    $("more").addEventListener("click", function () { render(false); });
    D.api("GET", "/admin/api/nlu/intents").then(function (d) {
      intents = d.intents.filter(function (i) { return i.in_domain; });
    }, function () { /* shown */ }).then(function () { load(true); loadDecisions(); });
  }

  D.loadMe().then(start, function () { /* 401 → login page */ });
})();
