// Registration at the window (cases/create.html): the 身份证 reader, the returning applicant, the
// item picker, the materials checklist and the shortcuts. Without this file the page is a plain
// form that posts each step (读卡, 查找, 带入) back to the server, which does the same work.
(function () {
  "use strict";
  var form = document.getElementById("register-form");
  if (!form) return;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var card = document.getElementById("card-reader");
  var cardStatus = document.getElementById("card-status");
  var search = document.getElementById("id_items");
  var list = document.getElementById("pick-list");
  var chips = document.getElementById("chosen-items");
  var chosenEmpty = document.getElementById("chosen-empty");
  var checklist = document.getElementById("checklist");
  var panel = document.getElementById("applicant-cases");
  var find = form.querySelector(".picker-find");
  if (find) find.remove(); // the type-ahead replaces the posted search
  var found = form.querySelector("fieldset.found");
  if (found) found.remove();

  function checked(name, fallback) {
    var el = form.querySelector("input[name=" + name + "]:checked");
    return el ? el.value : fallback;
  }
  function value(name) {
    var el = form.elements.namedItem(name);
    return el && "value" in el ? el.value : "";
  }
  function setValue(name, text) {
    var el = form.elements.namedItem(name);
    if (el && "value" in el) el.value = text || "";
  }
  function post(url, data) {
    var body = new URLSearchParams(data);
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
    }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
  }
  function get(url, params, asText) {
    return fetch(url + "?" + params.toString(), { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return asText ? r.text() : r.json();
    });
  }

  // --- person / enterprise --------------------------------------------------------------------
  function showType() {
    var type = checked("applicant_type", "person");
    form.querySelectorAll("[data-for-type]").forEach(function (el) {
      el.hidden = el.getAttribute("data-for-type") !== type;
    });
  }
  function setType(type) {
    var radio = form.querySelector("input[name=applicant_type][value=" + type + "]");
    if (radio) radio.checked = true;
    showType();
  }
  showType();

  // --- returning applicant ----------------------------------------------------------------------
  function lookup(extra) {
    var data = {
      id_number: value("id_number"),
      phone: value("phone"),
      credit_code: value("credit_code"),
    };
    Object.keys(extra || {}).forEach(function (k) { data[k] = extra[k]; });
    return post(form.getAttribute("data-applicant-url"), data).then(function (answer) {
      panel.innerHTML = answer.panel;
      return answer;
    });
  }
  panel.addEventListener("click", function (event) {
    var link = event.target.closest("[data-prefill-url]");
    if (!link) return;
    event.preventDefault();
    post(link.getAttribute("data-prefill-url"), {}).then(function (p) {
      setType(p.applicant_type);
      ["applicant_name", "id_number", "credit_code", "contact_name", "phone"].forEach(function (name) {
        if (p[name] !== undefined) setValue(name, p[name]);
      });
      cardStatus.textContent = "已带入申请人信息";
      search.focus();
    });
  });
  ["id_number", "phone", "credit_code"].forEach(function (name) {
    var el = form.elements.namedItem(name);
    if (el) el.addEventListener("change", function () { lookup(); });
  });

  // --- 身份证 reader (keyboard wedge): one line, fields split by | TAB or comma, then Enter ----------
  function insertAtCursor(input, text) {
    var start = input.selectionStart, end = input.selectionEnd;
    input.value = input.value.slice(0, start) + text + input.value.slice(end);
    input.selectionStart = input.selectionEnd = start + text.length;
  }
  function nextEmpty() {
    var names = ["applicant_name", checked("applicant_type", "person") === "person" ? "id_number" : "credit_code", "phone"];
    for (var i = 0; i < names.length; i++) {
      var el = form.elements.namedItem(names[i]);
      if (el && !el.value) return el;
    }
    return search;
  }
  function readCard() {
    var line = card.value;
    if (!line.trim()) return;
    cardStatus.textContent = "正在读卡…";
    lookup({ card: line }).then(function (answer) {
      if (answer.error) {
        cardStatus.textContent = answer.error;
        card.select();
        return;
      }
      card.value = "";
      setType("person");
      setValue("id_number", answer.card.id_number);
      if (answer.card.name) setValue("applicant_name", answer.card.name);
      cardStatus.textContent =
        "已读卡：" + (answer.card.name || "") + (answer.found ? "（老办事人，见下方办件）" : "");
      nextEmpty().focus();
    }).catch(function () { cardStatus.textContent = "读卡失败，请重试"; });
  }
  card.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      readCard();
    } else if (event.key === "Tab" && !event.shiftKey && card.value) {
      // Readers that separate fields with TAB: keep the whole line in this box.
      event.preventDefault();
      insertAtCursor(card, "\t");
    } else if (event.key === "Escape") {
      card.value = "";
    }
  });

  // --- item picker ------------------------------------------------------------------------------
  var results = [], active = -1, asked = null, inflight = null, timer = null, shown = null;
  function chosenIds() {
    return Array.prototype.map.call(chips.querySelectorAll("input[name=items]"), function (i) { return i.value; });
  }
  function query() {
    var q = search.value;
    if (inflight && asked === q) return inflight;
    asked = q;
    var params = new URLSearchParams({ q: q, kind: checked("kind", "help") });
    var mine = inflight = get(form.getAttribute("data-pick-url"), params).then(function (data) {
      if (mine === inflight) {
        render(data);
        shown = q;
      }
      return data;
    });
    return mine;
  }
  function render(data) {
    var taken = chosenIds();
    results = [];
    data.bundles.forEach(function (b) { results.push({ bundle: b }); });
    data.items.forEach(function (it) { if (taken.indexOf(String(it.id)) === -1) results.push({ item: it }); });
    list.innerHTML = "";
    results.forEach(function (r, i) {
      var li = document.createElement("li");
      li.id = "pick-option-" + i;
      li.setAttribute("role", "option");
      var name = document.createElement("span");
      name.className = "pick-name";
      var meta = document.createElement("span");
      meta.className = "pick-meta";
      if (r.bundle) {
        name.textContent = "一件事：" + r.bundle.name;
        meta.textContent = "加入 " + r.bundle.items.length + " 个事项" +
          (r.bundle.missing ? "（另有 " + r.bundle.missing + " 项本机构不办理）" : "");
      } else {
        name.textContent = r.item.name;
        meta.textContent = [r.item.immediate ? "即办" : "承诺 " + r.item.limit, r.item.department, r.item.code]
          .concat(r.item.frequent ? ["常用"] : []).join(" · ");
      }
      li.appendChild(name);
      li.appendChild(meta);
      li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
      list.appendChild(li);
    });
    list.hidden = results.length === 0;
    search.setAttribute("aria-expanded", results.length ? "true" : "false");
    highlight(results.length ? 0 : -1);
  }
  function highlight(i) {
    active = i;
    list.querySelectorAll("[role=option]").forEach(function (li, n) {
      li.setAttribute("aria-selected", n === i ? "true" : "false");
      if (n === i) li.scrollIntoView({ block: "nearest" });
    });
    if (i >= 0) search.setAttribute("aria-activedescendant", "pick-option-" + i);
    else search.removeAttribute("aria-activedescendant");
  }
  function close() {
    list.hidden = true;
    search.setAttribute("aria-expanded", "false");
    search.removeAttribute("aria-activedescendant");
  }
  function addChip(id, label) {
    if (chosenIds().indexOf(String(id)) !== -1) return;
    var li = document.createElement("li");
    li.className = "chip";
    var box = document.createElement("input");
    box.type = "checkbox";
    box.name = "items";
    box.value = id;
    box.id = "chosen-" + id;
    box.checked = true;
    var text = document.createElement("label");
    text.htmlFor = box.id;
    text.textContent = label;
    li.appendChild(box);
    li.appendChild(text);
    chips.appendChild(li);
    chosenEmpty.hidden = true;
  }
  function choose(i) {
    var r = results[i];
    if (!r) return Promise.resolve();
    var done;
    if (r.bundle) {
      var params = new URLSearchParams({ kind: checked("kind", "help") });
      r.bundle.items.forEach(function (id) { params.append("items", id); });
      done = get(form.getAttribute("data-names-url"), params).then(function (data) {
        data.items.forEach(function (it) { addChip(it.id, it.name + "（" + it.limit + "）"); });
      });
    } else {
      addChip(r.item.id, r.item.name + "（" + r.item.limit + "）");
      done = Promise.resolve();
    }
    search.value = "";
    asked = shown = null;
    results = [];
    close();
    return done.then(refreshChecklist);
  }
  var checklistAsked = 0;
  function refreshChecklist() {
    var asked = ++checklistAsked;
    var params = new URLSearchParams({ kind: checked("kind", "help") });
    chosenIds().forEach(function (id) { params.append("items", id); });
    form.querySelectorAll("input[name=received]:checked").forEach(function (box) { params.append("received", box.value); });
    return get(form.getAttribute("data-checklist-url"), params, true).then(function (html) {
      if (asked !== checklistAsked) return; // a newer list is on its way
      // Ticks made while the list was being fetched win over the state sent with the request.
      var ticks = {};
      checklist.querySelectorAll("input[name=received]").forEach(function (box) { ticks[box.value] = box.checked; });
      checklist.innerHTML = html;
      checklist.querySelectorAll("input[name=received]").forEach(function (box) {
        if (box.value in ticks) box.checked = ticks[box.value];
      });
    });
  }
  search.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(query, 60);
  });
  search.addEventListener("focus", function () { if (!search.value) query(); });
  search.addEventListener("blur", function () { setTimeout(close, 150); });
  search.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list.hidden && results.length) { list.hidden = false; search.setAttribute("aria-expanded", "true"); }
      var step = event.key === "ArrowDown" ? 1 : -1;
      if (results.length) highlight((active + step + results.length) % results.length);
    } else if (event.key === "Enter" && !event.ctrlKey) {
      event.preventDefault();
      // Enter right after typing: wait for the answer to what is in the box, then add its first line.
      var typed = search.value;
      clearTimeout(timer);
      (shown === typed ? Promise.resolve() : query()).then(function () {
        if (search.value === typed) return choose(active < 0 ? 0 : active);
      });
    } else if (event.key === "Escape") {
      close();
    }
  });
  chips.addEventListener("change", function (event) {
    if (event.target.name === "items" && !event.target.checked) {
      event.target.closest("li").remove();
      chosenEmpty.hidden = chips.children.length > 0;
      refreshChecklist();
    }
  });
  form.addEventListener("change", function (event) {
    if (event.target.name === "applicant_type") showType();
    if (event.target.name === "kind" && chips.children.length) refreshChecklist();
  });

  // --- keyboard: Alt+R 读卡, Alt+S or / 查找事项, Ctrl+Enter 登记 -------------------------------------
  document.addEventListener("keydown", function (event) {
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName);
    if (event.altKey && !event.ctrlKey && event.code === "KeyS") {
      event.preventDefault();
      search.focus();
    } else if (event.altKey && !event.ctrlKey && event.code === "KeyR") {
      event.preventDefault();
      card.focus();
    } else if (event.key === "/" && !typing) {
      event.preventDefault();
      search.focus();
    } else if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", function () {
    // Only the registration is posted: a 读卡 line or a search left in its box is not a step here.
    card.value = "";
    search.value = "";
  });
  if (!document.getElementById("error-summary")) card.focus();
})();
