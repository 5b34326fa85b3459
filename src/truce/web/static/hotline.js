// The hotline thread page, live: new messages, read receipts and acknowledgements arrive over
// server-sent events (/hotline/stream). The browser reconnects by itself and sends the id of the
// last event it saw, so nothing is lost or shown twice; a message already on the page is skipped.
(function () {
  "use strict";
  const list = document.getElementById("messages");
  const status = document.getElementById("live-status");
  const form = document.getElementById("send-form");
  if (!list || !window.EventSource) return;
  const text = JSON.parse(document.getElementById("hotline-text").textContent);
  const thread = Number(list.dataset.thread);
  const side = list.dataset.side;
  const csrf = form ? form.querySelector("input[name=csrf]").value : "";

  function node(tag, className, content) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (content !== undefined) element.textContent = content;
    return element;
  }

  function acknowledgeForm(messageId) {
    const ack = node("form", "inline");
    ack.method = "post";
    ack.action = "/hotline/messages/" + messageId + "/acknowledge";
    const token = node("input");
    token.type = "hidden";
    token.name = "csrf";
    token.value = csrf;
    const button = node("button", "", text.acknowledge);
    button.type = "submit";
    button.dataset.testid = "acknowledge";
    ack.append(token, button);
    return ack;
  }

  function receiptItem(messageId, receipt) {
    const item = node("li");
    item.dataset.side = receipt.side;
    item.dataset.testid = "receipt";
    item.append(node("bdi", "", receipt.side), ": ");
    const state = node("span", "receipt-state", text.waiting);
    state.dataset.state = "waiting";
    item.append(state);
    if (receipt.side === side) item.append(" ", acknowledgeForm(messageId));
    return item;
  }

  function addMessage(message) {
    if (document.getElementById("m-" + message.id)) return; // already shown
    const item = node("li", "message" + (message.author_side === side ? " mine" : ""));
    item.id = "m-" + message.id;
    item.dataset.messageId = message.id;
    const head = node("p", "message-head");
    head.append(node("bdi", "", message.author), " · ", node("time", "", message.sent_at), " ");
    head.append(node("span", "status status-" + message.priority, message.priority));
    const body = node("p", "message-text", message.text);
    body.dir = "auto";
    if (message.lang) body.lang = message.lang;
    const receipts = node("ul", "receipts");
    message.receipts.forEach((r) => receipts.append(receiptItem(message.id, r)));
    item.append(head, body, receipts);
    list.append(item);
    if (message.author_side !== side) markRead();
  }

  function markReceipt(messageId, who, kind) {
    const item = document.querySelector("#m-" + messageId + " li[data-side='" + who + "']");
    if (!item) return;
    const state = item.querySelector(".receipt-state");
    if (kind === "read" && state.dataset.state === "acknowledged") return;
    state.dataset.state = kind;
    state.textContent = text[kind];
    if (kind === "acknowledged") item.querySelectorAll("form").forEach((f) => f.remove());
  }

  function markRead() {
    fetch("/hotline/" + thread + "/read", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "csrf=" + encodeURIComponent(csrf),
      credentials: "same-origin",
    });
  }

  const source = new EventSource("/hotline/stream?after=" + list.dataset.after);
  function handle(kind) {
    source.addEventListener(kind, (event) => {
      const data = JSON.parse(event.data);
      if (data.thread_id !== thread) return;
      if (kind === "message") addMessage(data.message);
      else markReceipt(data.message_id, data.side, kind);
    });
  }
  ["message", "read", "acknowledged", "overdue"].forEach(handle);
  source.onopen = () => {
    status.textContent = text.live;
    status.dataset.state = "live";
  };
  source.onerror = () => {
    status.textContent = text.offline;
    status.dataset.state = "offline";
  };
})();
