// The window's consultation register: Ctrl+Enter posts the form from any field; the 事项 box suggests
// the institution's 清单 items as the agent types (the case registration's picker endpoint).
(function () {
  "use strict";
  var form = document.getElementById("consult-form");
  if (!form) return;
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (form.requestSubmit) form.requestSubmit();
      else form.submit();
    }
  });
  var input = form.querySelector("input[list=item-options]");
  var list = document.getElementById("item-options");
  var url = form.getAttribute("data-pick-url");
  if (!input || !list || !url || !window.fetch) return;
  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    var q = input.value.trim();
    if (!q) return;
    timer = setTimeout(function () {
      fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (data) {
          list.textContent = "";
          (data.items || []).slice(0, 20).forEach(function (item) {
            var option = document.createElement("option");
            option.value = item.name;
            list.appendChild(option);
          });
        })
        .catch(function () {});
    }, 150);
  });
})();
