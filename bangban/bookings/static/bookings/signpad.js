// Signature pad: pointer events on a canvas (finger, pen or mouse), the PNG posted as a data URL.
(function () {
  "use strict";
  var form = document.getElementById("sign-form");
  var canvas = document.getElementById("sign-pad");
  if (!form || !canvas) return;
  var input = form.querySelector("input[name=image]");
  var ctx = canvas.getContext("2d");
  var drawing = false;
  var drawn = false;
  var last = null;
  canvas.style.width = "100%";
  canvas.style.maxWidth = "600px";
  canvas.style.height = "auto";
  canvas.style.aspectRatio = "600 / 240";
  canvas.style.border = "2px solid #333";
  canvas.style.background = "#fff";
  canvas.style.touchAction = "none";
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.lineWidth = 4;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.strokeStyle = "#000";

  function point(e) {
    var r = canvas.getBoundingClientRect();
    return { x: (e.clientX - r.left) * (canvas.width / r.width), y: (e.clientY - r.top) * (canvas.height / r.height) };
  }
  canvas.addEventListener("pointerdown", function (e) {
    drawing = true;
    last = point(e);
    canvas.setPointerCapture(e.pointerId);
    ctx.beginPath();
    ctx.arc(last.x, last.y, 1, 0, 2 * Math.PI);
    ctx.stroke();
    drawn = true;
    e.preventDefault();
  });
  canvas.addEventListener("pointermove", function (e) {
    if (!drawing) return;
    var p = point(e);
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
    e.preventDefault();
  });
  function stop() { drawing = false; }
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);
  document.getElementById("sign-clear").addEventListener("click", function () {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    drawn = false;
    input.value = "";
  });
  form.addEventListener("submit", function () {
    input.value = drawn ? canvas.toDataURL("image/png") : "";
  });
})();
