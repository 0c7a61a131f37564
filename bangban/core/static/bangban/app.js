// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("click", function (event) {
  var el = event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

// A filter box above a long checkbox list: <input data-filter-for="ID"> hides non-matching choices.
document.addEventListener("input", function (event) {
  var box = event.target.closest("[data-filter-for]");
  if (!box) return;
  var words = box.value.trim().toLowerCase();
  var list = document.getElementById(box.getAttribute("data-filter-for"));
  if (!list) return;
  list.querySelectorAll("label").forEach(function (label) {
    var item = label.closest("li") || label.parentElement;
    var checked = label.querySelector("input") && label.querySelector("input").checked;
    item.hidden = !!words && !checked && label.textContent.toLowerCase().indexOf(words) === -1;
  });
});

// A page that comes back with errors: move focus to the summary at the top (it links to each field),
// or to the error message a redirect brought back.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary") || document.querySelector(".msg-error[tabindex]");
  if (summary) summary.focus();
});

// A document to print right after an action (a case just accepted: its 受理单): open it in a new tab;
// where the browser blocks that, the link takes the focus, so Enter opens it.
document.addEventListener("DOMContentLoaded", function () {
  var link = document.querySelector("a[data-auto-open]");
  if (!link || document.getElementById("error-summary")) return;
  var opened = window.open(link.href, "_blank");
  if (opened) opened.opener = null;
  else link.focus();
  // Once: reloading the page later does not print again.
  if (window.history.replaceState) window.history.replaceState(null, "", window.location.pathname);
});

// A form is posted once: a second click (or Ctrl+Enter) while the first post is on its way would, for
// instance, register the same applicant's case twice. The answer is a new page; a page restored from
// the back-forward cache, or one whose post answered with a download, may post again.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (event.defaultPrevented || (form.getAttribute("method") || "").toLowerCase() !== "post") return;
  if (form.hasAttribute("data-posting")) {
    event.preventDefault();
    return;
  }
  form.setAttribute("data-posting", "");
  setTimeout(function () { form.removeAttribute("data-posting"); }, 10000);
});
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-posting]").forEach(function (form) { form.removeAttribute("data-posting"); });
});
