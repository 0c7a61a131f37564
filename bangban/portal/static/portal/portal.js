// Public pages: small enhancements only; every page works without JavaScript.

// A form sent back with errors: move the focus to the summary at its top.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
});

// 朗读: read the page's main text aloud with the browser's own speech synthesis (no external service).
// The buttons stay hidden where the browser cannot speak.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("read-aloud");
  var main = document.getElementById("main");
  if (!box || !main || !("speechSynthesis" in window) || typeof SpeechSynthesisUtterance === "undefined") return;
  var synth = window.speechSynthesis;
  var status = document.getElementById("read-aloud-status");
  var play = box.querySelector("[data-say=play]");
  var pause = box.querySelector("[data-say=pause]");
  var stop = box.querySelector("[data-say=stop]");
  box.hidden = false;

  function say(text) { status.textContent = text; }
  function voice() {
    var voices = synth.getVoices(), i;
    for (i = 0; i < voices.length; i++) if (/^zh[-_]CN/i.test(voices[i].lang)) return voices[i];
    for (i = 0; i < voices.length; i++) if (/^zh/i.test(voices[i].lang)) return voices[i];
    return null;
  }
  // Short pieces: some browsers stop a long utterance after about 15 seconds.
  function pieces(text) {
    var parts = text.replace(/\s+/g, " ").match(/[^。！？；!?;]+[。！？；!?;]?/g) || [], out = [], buf = "";
    parts.forEach(function (p) {
      if ((buf + p).length > 120 && buf) { out.push(buf); buf = ""; }
      buf += p;
    });
    if (buf.trim()) out.push(buf);
    return out;
  }
  // The text a sighted reader sees in <main>: not hidden by the mode's stylesheet, not form controls.
  function text() {
    var walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT), out = [], el;
    while (walker.nextNode()) {
      el = walker.currentNode.parentElement;
      if (!el || el.closest("script, style, select, textarea, [aria-hidden=true]")) continue;
      if (!el.getClientRects().length) continue;
      out.push(walker.currentNode.textContent);
    }
    return out.join(" ");
  }
  play.addEventListener("click", function () {
    if (synth.paused) { synth.resume(); say("继续朗读"); return; }
    synth.cancel();
    var v = voice(), list = pieces(text());
    list.forEach(function (piece, i) {
      var u = new SpeechSynthesisUtterance(piece);
      u.lang = "zh-CN";
      if (v) u.voice = v;
      if (i === list.length - 1) u.onend = function () { say("朗读结束"); };
      synth.speak(u);
    });
    say("正在朗读");
  });
  pause.addEventListener("click", function () {
    if (synth.speaking && !synth.paused) { synth.pause(); say("已暂停，点“朗读本页”继续"); }
  });
  stop.addEventListener("click", function () { synth.cancel(); say("已停止"); });
  window.addEventListener("pagehide", function () { synth.cancel(); });
});
