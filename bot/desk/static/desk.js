// The service-desk console: the live queue (left) and the selected ticket (right).
// Polls the JSON API of docs/desk.md; every text from a resident, the bot or a colleague is
// inserted with textContent, never as HTML.
(function () {
  "use strict";
  var D = window.Desk;
  var el = D.el;
  var MAX_REPLY = 2000;
  var LONG_WAIT = 180; // seconds: a resident waiting longer than 3 minutes is highlighted
  var POLL_MS = 1000;
  var CLOSED_POLL_MS = 5000;

  var CHANNELS = { socketio: "网页", wechat: "微信", rest: "接口" };
  var STATUSES = { waiting: "等待接待", active: "接待中", closed: "已结束" };
  var KINDS = { live: "在线", callback: "回电" };
  var REASONS = { request: "居民要求转人工", clarify: "助手两次未能理解", complaint: "投诉", review: "差评回访" };
  var SENDERS = { resident: "居民", bot: "智能助手", staff: "工作人员" };

  var $ = function (id) { return document.getElementById(id); };
  var me = null;
  var staffNames = {};          // username → display name
  var view = "open";            // "open" (waiting + active) or "closed"
  var queues = { waiting: [], active: [], closed: [] };
  var knownWaiting = null;      // ids seen waiting (null before the first answer: nothing is "new" then)
  var selectedId = null;
  var ticket = null;            // the selected ticket's latest detail
  var ticketAt = 0;             // when it was fetched (for the ticking wait)
  var rendered = [];            // signatures of the transcript's rendered messages
  var renderedNotes = "";
  var drafts = {};              // ticket id → unsent reply text
  var revealed = {};            // ticket id → phone shown in full
  var pollError = "";
  var sending = false;

  // ---- queue -------------------------------------------------------------------------------

  function firstLine(text) {
    var line = String(text || "").split("\n")[0].trim();
    return line || "（无摘要）";
  }

  function channelName(channel) { return CHANNELS[channel] || channel || "—"; }

  function personName(username) {
    if (!username) { return ""; }
    return staffNames[username] && staffNames[username] !== username
      ? staffNames[username] + "（" + username + "）" : username;
  }

  function waitedNow(t, fetchedAt) {
    var base = Number(t.waiting_seconds) || 0;
    return t.status === "waiting" ? base + (Date.now() - fetchedAt) / 1000 : base;
  }

  function buildRow(id) {
    var li = el("li", "ticket-row");
    li.dataset.id = id;
    var button = el("button", "ticket-open");
    button.type = "button";
    var top = el("span", "row-summary");
    var meta = el("span", "row-meta");
    meta.appendChild(el("span", "channel"));
    meta.appendChild(el("span", "service"));
    meta.appendChild(el("span", "wait"));
    meta.appendChild(el("span", "long-label"));
    meta.appendChild(el("span", "assignee"));
    button.appendChild(top);
    button.appendChild(meta);
    button.addEventListener("click", function () { select(li.dataset.id); });
    li.appendChild(button);
    return li;
  }

  function setText(node, text) { if (node.textContent !== text) { node.textContent = text; } }

  function updateRow(li, t, fetchedAt) {
    li._ticket = t;
    li._fetchedAt = fetchedAt;
    li.dataset.status = t.status;
    setText(li.querySelector(".row-summary"), "#" + t.id + " " + firstLine(t.summary));
    setText(li.querySelector(".channel"), channelName(t.channel) + (t.kind === "callback" ? " · 回电" : ""));
    setText(li.querySelector(".service"), t.service || "未识别事项");
    setText(li.querySelector(".assignee"), t.assignee ? "接待：" + personName(t.assignee) : "未接待");
    if (t.status === "closed") {
      setText(li.querySelector(".wait"), t.outcome ? "结果：" + t.outcome : "已结束");
    }
    tickRow(li);
    var current = String(t.id) === String(selectedId);
    li.classList.toggle("selected", current);
    var button = li.querySelector(".ticket-open");
    if (current) { button.setAttribute("aria-current", "true"); } else { button.removeAttribute("aria-current"); }
  }

  function tickRow(li) {
    var t = li._ticket;
    if (!t || t.status === "closed") { return; }
    var seconds = waitedNow(t, li._fetchedAt);
    var long = t.status === "waiting" && seconds > LONG_WAIT;
    setText(li.querySelector(".wait"), (t.status === "waiting" ? "已等 " : "等了 ") + D.duration(seconds));
    setText(li.querySelector(".long-label"), long ? "久等" : "");
    li.classList.toggle("long-wait", long);
  }

  // Keyed update: rows are updated in place and only moved when the order changed, so focus and
  // the reader's place survive the one-second refresh.
  function syncList(ul, tickets, fetchedAt) {
    var existing = {};
    Array.prototype.forEach.call(ul.children, function (li) { existing[li.dataset.id] = li; });
    tickets.forEach(function (t, i) {
      var id = String(t.id);
      var li = existing[id] || buildRow(id);
      delete existing[id];
      updateRow(li, t, fetchedAt);
      if (ul.children[i] !== li) { ul.insertBefore(li, ul.children[i] || null); }
    });
    Object.keys(existing).forEach(function (id) { ul.removeChild(existing[id]); });
    $(ul.id + "-empty").hidden = tickets.length > 0;
  }

  function announceNew(waiting) {
    var ids = {};
    var fresh = [];
    waiting.forEach(function (t) {
      ids[t.id] = true;
      if (knownWaiting && !knownWaiting[t.id]) { fresh.push(t); }
    });
    knownWaiting = ids;
    if (fresh.length === 1) {
      $("announcer").textContent = "新的等待工单 #" + fresh[0].id + "（" + channelName(fresh[0].channel) + "）：" +
        firstLine(fresh[0].summary);
    } else if (fresh.length > 1) {
      $("announcer").textContent = "有 " + fresh.length + " 个新的等待工单";
    }
  }

  function showCounts() {
    var n = queues.waiting.length;
    setText($("waiting-count"), String(n));
    setText($("waiting-count-list"), String(n));
    setText($("active-count"), String(queues.active.length));
    $("waiting-count").classList.toggle("has-waiting", n > 0);
    var title = (n > 0 ? "(" + n + ") " : "") + "人工服务台";
    if (document.title !== title) { document.title = title; }
  }

  function pollFailed(err) {
    var text = "刷新失败：" + (err && err.message ? err.message : "未知错误");
    if (text !== pollError) { pollError = text; D.status(text, "error"); }
  }

  function pollOk() {
    if (pollError) {
      if ($("status").textContent === pollError) { D.status(""); }
      pollError = "";
    }
  }

  function pollQueue() {
    var fetchedAt = Date.now();
    Promise.all([
      D.api("GET", "/desk/api/tickets?status=waiting", undefined, { quiet: true }),
      D.api("GET", "/desk/api/tickets?status=active", undefined, { quiet: true })
    ]).then(function (answers) {
      pollOk();
      queues.waiting = answers[0] || [];
      queues.active = answers[1] || [];
      announceNew(queues.waiting);
      syncList($("queue-waiting"), queues.waiting, fetchedAt);
      syncList($("queue-active"), queues.active, fetchedAt);
      showCounts();
    }, pollFailed).then(function () { window.setTimeout(pollQueue, POLL_MS); });
  }

  function pollClosed() {
    if (view !== "closed") { window.setTimeout(pollClosed, CLOSED_POLL_MS); return; }
    var fetchedAt = Date.now();
    D.api("GET", "/desk/api/tickets?status=closed", undefined, { quiet: true }).then(function (closed) {
      pollOk();
      queues.closed = closed || [];
      syncList($("queue-closed"), queues.closed, fetchedAt);
    }, pollFailed).then(function () { window.setTimeout(pollClosed, CLOSED_POLL_MS); });
  }

  function showView(which) {
    view = which;
    $("tab-open").setAttribute("aria-pressed", String(which === "open"));
    $("tab-closed").setAttribute("aria-pressed", String(which === "closed"));
    $("queue").hidden = which !== "open";
    $("queue-closed-view").hidden = which !== "closed";
    if (which === "closed") {
      D.api("GET", "/desk/api/tickets?status=closed").then(function (closed) {
        queues.closed = closed || [];
        syncList($("queue-closed"), queues.closed, Date.now());
      }, function () { /* shown by the helper */ });
    }
  }

  // ---- the selected ticket -----------------------------------------------------------------

  function select(id) {
    id = String(id);
    if (selectedId !== null) { drafts[selectedId] = $("reply-input").value; }
    if (selectedId === id && ticket) { return; }
    selectedId = id;
    ticket = null;
    rendered = [];
    renderedNotes = "";
    $("transcript").textContent = "";
    $("notes").textContent = "";
    $("qa-results").textContent = "";
    $("reply-input").value = drafts[id] || "";
    updateCounter();
    $("ticket-empty").hidden = true;
    $("ticket").hidden = false;
    setText($("ticket-id"), "#" + id);
    ["claim", "transfer-open", "close-open"].forEach(function (b) { $(b).hidden = true; });
    document.querySelectorAll(".ticket-row").forEach(function (li) {
      var current = li.dataset.id === id;
      li.classList.toggle("selected", current);
      var button = li.querySelector(".ticket-open");
      if (current) { button.setAttribute("aria-current", "true"); } else { button.removeAttribute("aria-current"); }
    });
    try { window.history.replaceState(null, "", "#ticket-" + id); } catch (e) { /* file:// etc. */ }
    loadTicket();
  }

  function loadTicket() {
    var id = selectedId;
    if (id === null) { return Promise.resolve(); }
    return D.api("GET", "/desk/api/tickets/" + encodeURIComponent(id), undefined, { quiet: true })
      .then(function (t) {
        if (id !== selectedId) { return; }
        pollOk();
        ticket = t;
        ticketAt = Date.now();
        renderTicket(t);
      }, function (err) {
        if (id !== selectedId) { return; }
        if (err.status === 404) {
          D.status("工单 #" + id + " 不存在", "error");
          selectedId = null;
          $("ticket").hidden = true;
          $("ticket-empty").hidden = false;
          return;
        }
        pollFailed(err);
      });
  }

  function pollTicket() {
    var next = function () { window.setTimeout(pollTicket, POLL_MS); };
    if (selectedId === null) { next(); return; }
    loadTicket().then(next, next);
  }

  function dash(value) { return value ? String(value) : "—"; }

  function renderTicket(t) {
    setText($("ticket-id"), "#" + t.id);
    var statusPill = $("ticket-status");
    setText(statusPill, STATUSES[t.status] || t.status);
    statusPill.className = "pill status-" + t.status;
    setText($("ticket-kind"), KINDS[t.kind] || t.kind || "");
    $("ticket-kind").hidden = !t.kind;
    setText($("ticket-channel"), channelName(t.channel));
    setText($("ticket-assignee"), t.assignee ? "接待人：" + personName(t.assignee) : "尚未接待");

    $("claim").hidden = t.status !== "waiting";
    $("transfer-open").hidden = t.status !== "active";
    $("close-open").hidden = t.status === "closed";

    setText($("ticket-summary"), t.summary || "（无摘要）");
    setText($("slot-service"), dash(t.service));
    setText($("slot-situation"), dash(t.situation));
    setText($("slot-district"), dash(t.district));
    setText($("ticket-reason"), REASONS[t.reason] || dash(t.reason));
    setText($("ticket-created"), t.created_at ? D.dateTime(t.created_at) : "—");
    tickTicket();

    var callback = t.kind === "callback";
    $("callback").hidden = !callback;
    if (callback) {
      setText($("callback-note"), t.callback_note || "（未留言）");
      setText($("callback-phone"), revealed[t.id] || t.callback_phone || "（未留号码）");
      $("reveal-phone").hidden = !!revealed[t.id] || !t.callback_phone;
    }

    renderTranscript(t.messages || []);
    renderNotes(t.notes || []);
    renderReplyState(t);
  }

  function tickTicket() {
    if (!ticket) { return; }
    var seconds = waitedNow(ticket, ticketAt);
    setText($("ticket-wait"), D.duration(seconds) + (ticket.status === "waiting" ? "（仍在等待）" : ""));
    $("ticket-wait").classList.toggle("long-wait", ticket.status === "waiting" && seconds > LONG_WAIT);
  }

  function signature(m) { return [m.from, m.at, m.text].join("\u0001"); }

  function messageItem(m) {
    var who = SENDERS[m.from] ? m.from : "bot";
    var li = el("li", "msg " + who);
    var meta = el("div", "meta");
    var name = SENDERS[who];
    if (who === "staff" && (m.staff || m.by || m.author)) { name += " " + personName(m.staff || m.by || m.author); }
    meta.appendChild(el("span", "who", name));
    var time = el("time", "at", D.time(m.at));
    if (m.at) { time.setAttribute("datetime", String(m.at)); }
    meta.appendChild(time);
    li.appendChild(meta);
    li.appendChild(el("div", "bubble", m.text == null ? "" : String(m.text)));
    return li;
  }

  function renderTranscript(messages) {
    var list = $("transcript");
    var sigs = messages.map(signature);
    var prefix = rendered.length <= sigs.length && rendered.every(function (s, i) { return s === sigs[i]; });
    var atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
    var first = rendered.length === 0;
    if (!prefix) { list.textContent = ""; rendered = []; }
    for (var i = rendered.length; i < messages.length; i++) { list.appendChild(messageItem(messages[i])); }
    var changed = rendered.length !== sigs.length || !prefix;
    rendered = sigs;
    if (messages.length === 0 && !list.children.length) {
      list.appendChild(el("li", "empty", "暂无对话记录"));
      rendered = [];
    } else if (messages.length && list.querySelector(".empty")) {
      list.removeChild(list.querySelector(".empty"));
    }
    if (changed && (first || atBottom || !prefix)) { list.scrollTop = list.scrollHeight; }
  }

  function renderNotes(notes) {
    var key = JSON.stringify(notes);
    if (key === renderedNotes) { return; }
    renderedNotes = key;
    var list = $("notes");
    list.textContent = "";
    if (!notes.length) { list.appendChild(el("li", "empty", "暂无备注")); return; }
    notes.forEach(function (n) {
      var note = typeof n === "string" ? { text: n } : (n || {});
      var li = el("li", "note");
      var meta = el("div", "meta");
      var author = note.author || note.staff || note.by || note.username;
      meta.appendChild(el("span", "who", author ? personName(author) : "备注"));
      meta.appendChild(el("time", "at", D.time(note.at || note.created_at)));
      li.appendChild(meta);
      li.appendChild(el("div", "note-text", note.text == null ? "" : String(note.text)));
      list.appendChild(li);
    });
  }

  function renderReplyState(t) {
    var input = $("reply-input");
    var refusal = $("reply-refusal");
    var can = t.can_reply === true && t.status !== "closed";
    var reason = "";
    if (!can) {
      reason = t.reply_refusal || (t.status === "closed" ? "工单已结束，不能再回复" :
        t.status === "waiting" ? "请先接待该工单再回复" : "暂时不能回复");
    }
    setText(refusal, reason);
    refusal.hidden = can;
    if (input.disabled === can) { input.disabled = !can; }
    $("send-reply").disabled = !can || sending;
  }

  // ---- actions -------------------------------------------------------------------------------

  function ticketPath(suffix) { return "/desk/api/tickets/" + encodeURIComponent(selectedId) + suffix; }

  function claim() {
    if (!ticket || ticket.status !== "waiting") { return; }
    var button = $("claim");
    button.disabled = true;
    D.api("POST", ticketPath("/claim"), {}, { quiet: true }).then(function (t) {
      D.status("已接待工单 #" + selectedId, "ok");
      if (t && t.id !== undefined) { ticket = t; ticketAt = Date.now(); renderTicket(t); }
      return loadTicket();
    }).then(function () {
      if (!$("reply-input").disabled) { $("reply-input").focus(); }
    }, function (err) {
      var reason = err.status === 409
        ? "已被他人接待" + (err.message && err.message.indexOf("已被他人接待") === -1 ? "：" + err.message : "")
        : err.message;
      D.status(reason, "error");
      loadTicket();
    }).then(function () { button.disabled = false; });
  }

  function updateCounter() {
    var n = $("reply-input").value.length;
    var counter = $("reply-counter");
    counter.textContent = n + " / " + MAX_REPLY + (n > MAX_REPLY ? "（超出 " + (n - MAX_REPLY) + " 字）" : "");
    counter.classList.toggle("over", n > MAX_REPLY);
  }

  function sendReply() {
    var input = $("reply-input");
    var text = input.value;
    if (!ticket || input.disabled || sending) { return; }
    if (!text.trim()) { D.status("请先输入回复内容", "error"); input.focus(); return; }
    var id = selectedId;
    sending = true;
    $("send-reply").disabled = true;
    D.api("POST", ticketPath("/messages"), { text: text }).then(function () {
      if (id === selectedId && input.value === text) { input.value = ""; }
      drafts[id] = "";
      updateCounter();
      D.status("已发送", "ok");
    }, function () { /* the server's reason is shown by the helper; the text stays */ }).then(function () {
      sending = false;
      if (ticket) { renderReplyState(ticket); }
      return loadTicket();
    });
  }

  function addNote(event) {
    event.preventDefault();
    var input = $("note-input");
    var text = input.value.trim();
    if (!selectedId) { return; }
    if (!text) { D.status("备注不能为空", "error"); input.focus(); return; }
    $("add-note").disabled = true;
    D.api("POST", ticketPath("/notes"), { text: text }).then(function () {
      input.value = "";
      D.status("备注已添加", "ok");
      return loadTicket();
    }, function () { /* shown */ }).then(function () { $("add-note").disabled = false; });
  }

  function revealPhone() {
    if (!ticket) { return; }
    if (!window.confirm("显示完整号码会被记录在案。仅在需要回电时查看，确定显示吗？")) { return; }
    var id = ticket.id;
    D.api("POST", ticketPath("/reveal-phone"), {}).then(function (data) {
      revealed[id] = data.phone;
      setText($("callback-phone"), data.phone);
      $("reveal-phone").hidden = true;
      $("callback-phone").focus();
    }, function () { /* shown */ });
  }

  // quick answers: search as you type, insert the chosen text into the reply box for editing
  var qaTimer = null;
  var qaSeq = 0;

  function searchQuickAnswers() {
    window.clearTimeout(qaTimer);
    qaTimer = window.setTimeout(function () {
      var q = $("qa-search").value.trim();
      var seq = ++qaSeq;
      var list = $("qa-results");
      if (!q) { list.textContent = ""; return; }
      D.api("GET", "/desk/api/quick-answers?q=" + encodeURIComponent(q)).then(function (items) {
        if (seq !== qaSeq) { return; }
        list.textContent = "";
        if (!items || !items.length) { list.appendChild(el("li", "empty", "没有找到相关事项")); return; }
        items.forEach(function (item) {
          var li = el("li");
          var button = el("button", "qa-item");
          button.type = "button";
          button.appendChild(el("span", "qa-name", item.name));
          if (item.agency) { button.appendChild(el("span", "qa-agency", item.agency)); }
          button.appendChild(el("span", "qa-preview", String(item.text || "").slice(0, 80)));
          button.title = "插入到回复框";
          button.addEventListener("click", function () { insertIntoReply(String(item.text || "")); });
          li.appendChild(button);
          list.appendChild(li);
        });
      }, function () { /* shown */ });
    }, 250);
  }

  function insertIntoReply(text) {
    var input = $("reply-input");
    var start = input.selectionStart || 0;
    var end = input.selectionEnd || 0;
    input.value = input.value.slice(0, start) + text + input.value.slice(end);
    updateCounter();
    if (!input.disabled) {
      input.focus();
      input.setSelectionRange(start + text.length, start + text.length);
    }
    D.status("已插入常用答复，可编辑后发送", "info");
  }

  // dialogs (native <dialog>: Esc closes them)
  var opener = null;

  function openDialog(dialog) {
    opener = document.activeElement;
    dialog.querySelector(".dialog-error").textContent = "";
    dialog.showModal();
  }

  function closeDialog(dialog) {
    if (dialog.open) { dialog.close(); }
  }

  function dialogClosed() {
    if (opener && document.body.contains(opener) && !opener.hidden) { opener.focus(); }
    opener = null;
  }

  function staffLabel(s) {
    return s.display_name && s.display_name !== s.username ? s.display_name + "（" + s.username + "）" : s.username;
  }

  function normaliseStaff(list) {
    return (list || []).map(function (s) {
      return typeof s === "string" ? { username: s, display_name: s } : s;
    }).filter(function (s) { return s && s.username; });
  }

  function loadStaff() {
    return D.api("GET", "/desk/api/staff", undefined, { quiet: true }).then(function (list) {
      var staff = normaliseStaff(list);
      staff.forEach(function (s) { staffNames[s.username] = s.display_name || s.username; });
      return staff;
    });
  }

  function openTransfer() {
    if (!ticket) { return; }
    var dialog = $("transfer-dialog");
    var select = $("transfer-to");
    select.textContent = "";
    select.appendChild(el("option", "", "正在加载……"));
    openDialog(dialog);
    loadStaff().then(function (staff) {
      select.textContent = "";
      var others = staff.filter(function (s) { return s.username !== me.username && s.username !== ticket.assignee; });
      if (!others.length) {
        select.appendChild(el("option", "", "暂无可转交的同事"));
        select.disabled = true;
        $("transfer-confirm").disabled = true;
        return;
      }
      select.disabled = false;
      $("transfer-confirm").disabled = false;
      others.forEach(function (s) {
        var option = el("option", "", staffLabel(s));
        option.value = s.username;
        select.appendChild(option);
      });
      select.focus();
    }, function (err) { $("transfer-error").textContent = err.message; });
  }

  function submitTransfer(event) {
    event.preventDefault();
    var to = $("transfer-to").value;
    if (!to) { $("transfer-error").textContent = "请选择接手的同事"; return; }
    $("transfer-confirm").disabled = true;
    D.api("POST", ticketPath("/transfer"), { to: to }, { quiet: true }).then(function () {
      closeDialog($("transfer-dialog"));
      D.status("工单 #" + selectedId + " 已转给 " + personName(to), "ok");
      loadTicket();
    }, function (err) {
      $("transfer-error").textContent = err.message;
    }).then(function () { $("transfer-confirm").disabled = false; });
  }

  function openClose() {
    if (!ticket) { return; }
    $("close-form").reset();
    $("hand-back").checked = true;
    openDialog($("close-dialog"));
    $("close-form").querySelector("input[name=outcome-choice]").focus();
  }

  function chooseOutcome(event) {
    var value = event.target.value;
    var input = $("close-outcome");
    if (value === "其他") { input.value = ""; input.focus(); } else { input.value = value; }
  }

  function submitClose(event) {
    event.preventDefault();
    var outcome = $("close-outcome").value.trim();
    if (!outcome) {
      $("close-error").textContent = "请填写处理结果";
      $("close-outcome").focus();
      return;
    }
    $("close-confirm").disabled = true;
    var id = selectedId;
    D.api("POST", ticketPath("/close"), { outcome: outcome, hand_back: $("hand-back").checked }, { quiet: true })
      .then(function () {
        closeDialog($("close-dialog"));
        drafts[id] = "";
        if (id === selectedId) { $("reply-input").value = ""; updateCounter(); }
        D.status("工单 #" + id + " 已结束" + ($("hand-back").checked ? "，已交还智能助手" : ""), "ok");
        loadTicket();
      }, function (err) {
        $("close-error").textContent = err.message;
      }).then(function () { $("close-confirm").disabled = false; });
  }

  // ---- keyboard ------------------------------------------------------------------------------

  function nextWaiting() {
    var waiting = queues.waiting;
    if (!waiting.length) { D.status("当前没有等待的工单", "info"); return; }
    var index = -1;
    waiting.forEach(function (t, i) { if (String(t.id) === String(selectedId)) { index = i; } });
    var t = waiting[(index + 1) % waiting.length];
    select(t.id);
    $("announcer").textContent = "已打开工单 #" + t.id + "：" + firstLine(t.summary);
    var row = document.querySelector('#queue-waiting .ticket-row[data-id="' + String(t.id) + '"] .ticket-open');
    if (row) { row.focus(); }
  }

  function onKey(event) {
    if (!event.altKey || event.ctrlKey || event.metaKey || document.querySelector("dialog[open]")) { return; }
    if (event.code === "KeyN") {
      event.preventDefault();
      if (view !== "open") { showView("open"); }
      nextWaiting();
    } else if (event.code === "KeyC") {
      event.preventDefault();
      if (ticket && ticket.status === "waiting") { claim(); } else { D.status("当前工单无需接待", "info"); }
    } else if (event.code === "KeyR") {
      event.preventDefault();
      if (!ticket) { D.status("请先选择工单", "info"); return; }
      $("reply-input").focus();
    }
  }

  function onReplyKey(event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      sendReply();
    }
  }

  // ---- start ---------------------------------------------------------------------------------

  function start(user) {
    me = user;
    D.setupHeader(user);
    staffNames[user.username] = user.display_name || user.username;
    loadStaff().then(null, function () { /* names fall back to usernames */ });

    $("tab-open").addEventListener("click", function () { showView("open"); });
    $("tab-closed").addEventListener("click", function () { showView("closed"); });
    $("claim").addEventListener("click", claim);
    $("reply-form").addEventListener("submit", function (event) { event.preventDefault(); sendReply(); });
    $("reply-input").addEventListener("keydown", onReplyKey);
    $("reply-input").addEventListener("input", updateCounter);
    $("note-form").addEventListener("submit", addNote);
    $("reveal-phone").addEventListener("click", revealPhone);
    $("qa-search").addEventListener("input", searchQuickAnswers);
    $("transfer-open").addEventListener("click", openTransfer);
    $("transfer-form").addEventListener("submit", submitTransfer);
    $("close-open").addEventListener("click", openClose);
    $("close-form").addEventListener("submit", submitClose);
    document.querySelectorAll("input[name=outcome-choice]").forEach(function (radio) {
      radio.addEventListener("change", chooseOutcome);
    });
    document.querySelectorAll("dialog").forEach(function (dialog) {
      dialog.addEventListener("close", dialogClosed);
      dialog.querySelector(".cancel").addEventListener("click", function () { closeDialog(dialog); });
    });
    document.addEventListener("keydown", onKey);
    window.setInterval(function () {
      document.querySelectorAll(".ticket-row").forEach(tickRow);
      tickTicket();
    }, 1000);
    updateCounter();

    var match = /^#ticket-(\w+)$/.exec(window.location.hash);
    if (match) { select(match[1]); }
    pollQueue();
    pollClosed();
    pollTicket();
  }

  D.loadMe().then(start, function () { /* 401 → login page; other errors are shown */ });
})();
