// Web chat for Rasa's Socket.IO channel. All text is inserted with textContent: never as HTML.
(function () {
  "use strict";
  var configured = document.querySelector('meta[name="rasa-url"]').content;
  var rasaUrl = configured && configured.indexOf("{{") === -1 ? configured : window.location.origin;
  var list = document.getElementById("messages");
  var form = document.getElementById("composer");
  var input = document.getElementById("message-input");
  var sendButton = document.getElementById("send");
  var statusEl = document.getElementById("status");
  var storageKey = "jz-assistant-session";
  var sessionId = null;
  try { sessionId = window.localStorage.getItem(storageKey); } catch (e) { sessionId = null; }

  function setStatus(text) { statusEl.textContent = text; }

  function scrollDown() { list.parentNode.scrollTop = list.parentNode.scrollHeight; }

  function addMessage(who, text, buttons) {
    var item = document.createElement("li");
    item.className = "msg " + who;
    var bubble = document.createElement("div");
    bubble.className = "bubble";
    var label = document.createElement("span");
    label.className = "visually-hidden";
    label.textContent = who === "bot" ? "助手说：" : who === "staff" ? "工作人员说：" : "我说：";
    bubble.appendChild(label);
    if (who === "staff") {
      var badge = document.createElement("span");
      badge.className = "sender";
      badge.setAttribute("aria-hidden", "true");
      badge.textContent = "工作人员";
      item.appendChild(badge);
    }
    bubble.appendChild(document.createTextNode(text || ""));
    item.appendChild(bubble);
    if (buttons && buttons.length) {
      var group = document.createElement("div");
      group.className = "buttons";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "可选回复");
      buttons.forEach(function (b) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = b.title;
        button.addEventListener("click", function () { send(b.payload, b.title, true); });
        group.appendChild(button);
      });
      item.appendChild(group);
    }
    list.appendChild(item);
    scrollDown();
  }

  var socket = io(rasaUrl, { path: "/socket.io", transports: ["websocket", "polling"] });

  socket.on("connect", function () {
    setStatus("已连接，可以提问了");
    socket.emit("session_request", { session_id: sessionId });
  });
  socket.on("session_confirm", function (id) {
    sessionId = typeof id === "string" ? id : (id && id.session_id) || sessionId;
    try { window.localStorage.setItem(storageKey, sessionId); } catch (e) { /* private mode */ }
    sendButton.disabled = false;
  });
  socket.on("disconnect", function () { setStatus("连接已断开，正在重连……"); });
  socket.on("connect_error", function () { setStatus("暂时连不上服务器，正在重试……"); });
  socket.on("bot_uttered", function (data) {
    var buttons = (data.quick_replies || data.buttons || []).map(function (b) {
      return { title: String(b.title), payload: String(b.payload) };
    });
    addMessage(data.from === "staff" ? "staff" : "bot", data.text, buttons);
    setStatus("已连接，可以提问了");
  });

  function send(message, shown, isButton) {
    if (!sessionId) { setStatus("还在连接，请稍候再发送"); return; }
    addMessage("user", shown);
    setStatus("助手正在查询……");
    socket.emit("user_uttered", { message: message, session_id: sessionId, metadata: { button: !!isButton } });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) { setStatus("请先输入您的问题"); input.focus(); return; }
    send(text, text, false);
    input.value = "";
    input.focus();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });
  sendButton.disabled = true;
  addMessage("bot", "您好！我是江州市政务服务智能助手。直接说您要办的事，比如「提取公积金要带什么」「驾照快到期了怎么换」。");
})();
