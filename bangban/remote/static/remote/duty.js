/* The duty page: the waiting calls refresh every 3 s, with how long each has waited (red beyond the target). */
(function () {
  "use strict";
  var table = document.getElementById("remote-queue");
  if (!table) return;
  var target = Number(table.dataset.target || 60);
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;

  function waited(since) { return Math.max(0, Math.round((Date.now() - new Date(since).getTime()) / 1000)); }

  function cell(tr, label, text) {
    var td = document.createElement("td");
    td.dataset.label = label;
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }

  function render(calls) {
    var body = table.tBodies[0];
    body.textContent = "";
    if (!calls.length) {
      var tr = document.createElement("tr");
      var td = cell(tr, "", "暂无等待的求助");
      td.colSpan = 5;
      body.appendChild(tr);
      return;
    }
    calls.forEach(function (c) {
      var tr = document.createElement("tr");
      cell(tr, "来自", c.from);
      cell(tr, "求助人", c.caller);
      cell(tr, "事项或诉求", c.item || c.need);
      var w = cell(tr, "已等待", "");
      w.dataset.since = c.queued_at;
      var td = cell(tr, "操作", "");
      var form = document.createElement("form");
      form.method = "post";
      form.action = c.answer_url;
      var token = document.createElement("input");
      token.type = "hidden";
      token.name = "csrfmiddlewaretoken";
      token.value = csrf;
      var button = document.createElement("button");
      button.type = "submit";
      button.className = "primary";
      button.textContent = "接听";
      form.appendChild(token);
      form.appendChild(button);
      td.appendChild(form);
      body.appendChild(tr);
    });
    tick();
  }

  function tick() {
    Array.prototype.forEach.call(table.querySelectorAll("[data-since]"), function (td) {
      var s = waited(td.dataset.since);
      td.textContent = s + " 秒";
      td.className = s > target ? "overdue" : "";
    });
  }

  function refresh() {
    fetch(table.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) render(data.calls); })
      .catch(function () {})
      .then(function () { setTimeout(refresh, 3000); });
  }
  tick();
  setInterval(tick, 1000);
  setTimeout(refresh, 3000);
})();
