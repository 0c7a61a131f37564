/* Remote help session (远程帮办): long-polls the call's events, chat, WebRTC audio/video, form sync.
   Both sides run this script; data-side says which one. Signalling (offer/answer/ICE) travels as
   session events through the server; the agent makes the offer once both sides said what media they
   have. No media on either side: chat only. */
(function () {
  "use strict";
  var root = document.getElementById("remote-session");
  if (!root) return;
  var side = root.dataset.side;
  var isAgent = side === "agent";
  var csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  var iceServers = [];
  try { iceServers = JSON.parse(root.dataset.iceServers || "[]"); } catch (e) { iceServers = []; }
  var after = 0;
  var startSeq = null; // signalling older than the page is history, not for this page
  var status = root.dataset.status;
  var local = null; // MediaStream or null
  var mediaAsked = false;
  var peerMedia = null;
  var pc = null;
  var pendingIce = [];
  var formSeq = 0;
  var state = { pc: null, chat: 0, formSeq: 0, confirmed: 0, chatOnly: false };
  window.bangbanRemote = state;

  function $(id) { return document.getElementById(id); }
  function say(id, text) { var el = $(id); if (el) el.textContent = text; }

  function post(kind, body) {
    return fetch(root.dataset.postUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ kind: kind, body: body || {} })
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) throw new Error(data.message || "发送失败");
        return data;
      });
    });
  }

  function time(iso) { var d = new Date(iso); return d.toLocaleTimeString("zh-CN", { hour12: false }); }

  function addChat(e) {
    var li = document.createElement("li");
    var who = e.side === side ? "我" : (e.side === "agent" ? "坐席" : (e.side === "caller" ? "求助方" : "系统"));
    li.className = "remote-chat-" + (e.side === side ? "mine" : e.side);
    li.textContent = "[" + time(e.at) + "] " + who + "：" + (e.body.text || "");
    $("remote-chat").appendChild(li);
    state.chat += 1;
  }

  function showStatus(s) {
    status = s.status;
    var text = s.status_label;
    if (s.status === "queued") {
      text = "排队中：您是第 " + s.position + " 位";
      if (s.estimate_seconds === null || s.estimate_seconds === undefined) text += "，暂无坐席在岗，请稍候";
      else if (s.estimate_seconds === 0) text += "，即将接听";
      else text += "，预计等待约 " + Math.max(1, Math.round(s.estimate_seconds / 60)) + " 分钟";
    } else if (s.status === "answered") {
      text = "通话中" + (s.agent ? "（坐席：" + s.agent + "）" : "");
    } else if (s.end_reason) {
      text = s.status_label + "：" + s.end_reason;
    }
    if (s.case) text += "；办件编号 " + s.case;
    say("remote-status", text);
    if (s.status === "answered") startMedia();
    if (s.status === "ended" || s.status === "abandoned") stopMedia();
  }

  // --- media -------------------------------------------------------------------------------------
  function startMedia() {
    if (mediaAsked) return;
    mediaAsked = true;
    var md = navigator.mediaDevices;
    var got = function (stream) {
      local = stream;
      $("remote-video-self").srcObject = stream;
      say("remote-media-note", "已开启摄像头和麦克风。");
      announce();
    };
    if (!md || !md.getUserMedia) { chatOnly("本设备不支持音视频，仅文字交流。"); announce(); return; }
    md.getUserMedia({ audio: true, video: true }).then(got).catch(function () {
      chatOnly("未获得摄像头和麦克风，仅文字交流。");
      announce();
    });
  }

  function announce() {
    post("media", { audio: !!(local && local.getAudioTracks().length), video: !!(local && local.getVideoTracks().length) })
      .catch(function () {});
  }

  function chatOnly(text) {
    state.chatOnly = true;
    say("remote-media-note", text);
  }

  function stopMedia() {
    if (pc) { pc.close(); pc = null; state.pc = null; }
    if (local) { local.getTracks().forEach(function (t) { t.stop(); }); }
  }

  function newPeer() {
    if (pc) pc.close();
    pendingIce = [];
    pc = new RTCPeerConnection({ iceServers: iceServers });
    state.pc = pc;
    local.getTracks().forEach(function (t) { pc.addTrack(t, local); });
    pc.onicecandidate = function (ev) {
      post("ice", { candidate: ev.candidate ? ev.candidate.toJSON() : null }).catch(function () {});
    };
    pc.ontrack = function (ev) {
      var v = $("remote-video-peer");
      if (v.srcObject !== ev.streams[0]) v.srcObject = ev.streams[0];
    };
    pc.onconnectionstatechange = function () {
      if (pc && pc.connectionState === "connected") say("remote-media-note", "音视频已接通。");
      if (pc && pc.connectionState === "failed") say("remote-media-note", "音视频连接失败，请继续文字交流。");
    };
    return pc;
  }

  function onPeerMedia(e) {
    peerMedia = e.body;
    var both = local && (peerMedia.audio || peerMedia.video);
    if (!both) {
      if (!peerMedia.audio && !peerMedia.video) chatOnly("对方未开启摄像头和麦克风，仅文字交流。");
      return;
    }
    if (isAgent) {
      var p = newPeer();
      p.createOffer().then(function (o) { return p.setLocalDescription(o); })
        .then(function () { return post("offer", { sdp: p.localDescription.sdp }); })
        .catch(function () {});
    }
  }

  function flushIce() {
    pendingIce.forEach(function (c) { pc.addIceCandidate(c).catch(function () {}); });
    pendingIce = [];
  }

  function onSignal(e) {
    if (e.kind === "media") {
      livePeerMedia = true;
      if (local !== null || state.chatOnly) onPeerMedia(e); else deferred = e;
      return;
    }
    if (e.kind === "offer" && !isAgent && local) {
      var p = newPeer();
      p.setRemoteDescription({ type: "offer", sdp: e.body.sdp })
        .then(function () { flushIce(); return p.createAnswer(); })
        .then(function (a) { return p.setLocalDescription(a); })
        .then(function () { return post("answer", { sdp: p.localDescription.sdp }); })
        .catch(function () {});
    } else if (e.kind === "answer" && isAgent && pc) {
      pc.setRemoteDescription({ type: "answer", sdp: e.body.sdp }).then(flushIce).catch(function () {});
    } else if (e.kind === "ice" && pc && e.body.candidate) {
      if (pc.remoteDescription) pc.addIceCandidate(e.body.candidate).catch(function () {});
      else pendingIce.push(e.body.candidate);
    }
  }

  // A peer's media event that arrived before our own getUserMedia answered waits here; one from before
  // this page loaded (the caller said what it has before the agent's page opened) is used once ours is known.
  var deferred = null;
  var histPeerMedia = null;
  var livePeerMedia = false;
  function mediaReady() {
    if (deferred) { var e = deferred; deferred = null; onPeerMedia(e); }
    else if (histPeerMedia && !livePeerMedia) onPeerMedia(histPeerMedia);
  }

  // --- form sync ---------------------------------------------------------------------------------
  function showForm(e) {
    formSeq = e.seq;
    state.formSeq = e.seq;
    var dl = $("remote-shared-form");
    if (dl) {
      Object.keys(e.body).forEach(function (k) {
        var dd = dl.querySelector('[data-field="' + k + '"]');
        if (!dd) return;
        var v = e.body[k];
        if (k === "item") v = e.body.item_name || "";
        if (k === "applicant_type") v = { person: "个人", enterprise: "企业" }[v] || v;
        if (k === "mode") v = { guide: "导办", lead: "领办", assist: "协办" }[v] || v;
        dd.textContent = v || "—";
      });
      $("remote-confirm").disabled = false;
      say("remote-confirm-state", "请核对坐席填写的内容，无误后点“确认”。");
    } else {
      say("remote-form-state", "已同步给求助方，等待确认。");
      $("remote-accept").disabled = true;
    }
  }

  function onConfirm(e) {
    state.confirmed = e.body.seq;
    if (isAgent) {
      if (e.body.seq === formSeq) {
        say("remote-form-state", "求助方已确认表单内容。");
        $("remote-accept").disabled = false;
      }
    } else {
      say("remote-confirm-state", "您已确认。");
    }
  }

  function onLink(e) {
    var ul = $("remote-links");
    if (!ul) return;
    var empty = ul.querySelector(".muted");
    if (empty) empty.remove();
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = e.body.url;
    a.target = "_blank";
    a.rel = "noopener";
    a.textContent = e.body.title;
    li.appendChild(a);
    ul.appendChild(li);
  }

  function handle(e) {
    after = Math.max(after, e.seq);
    if (e.kind === "chat") addChat(e);
    else if (e.kind === "form") showForm(e);
    else if (e.kind === "confirm") onConfirm(e);
    else if (e.kind === "link") onLink(e);
    else if (e.kind === "state") { /* the status comes with every answer */ }
    else if (startSeq !== null && e.seq > startSeq) onSignal(e);
    else if (e.kind === "media" && e.side !== side) histPeerMedia = e;
  }

  // --- the loop ----------------------------------------------------------------------------------
  function poll(first) {
    var url = root.dataset.eventsUrl + "?after=" + after + (first ? "&wait=0" : "");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (data) {
        data.events.forEach(handle);
        if (first) startSeq = after;
        showStatus(data.status);
        if (status === "ended" || status === "abandoned") return;
        setTimeout(poll, data.retry_after ? 1000 : 0);
      })
      .catch(function () { setTimeout(function () { poll(first); }, 2000); });
  }

  $("remote-chat-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var input = $("remote-chat-text");
    var text = input.value.trim();
    if (!text) return;
    post("chat", { text: text }).then(function () { input.value = ""; })
      .catch(function (err) { say("remote-media-note", err.message); });
  });

  if (isAgent) {
    var form = $("remote-form");
    var timer = null;
    var lastForm = "";
    var sync = function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var body = {};
        Array.prototype.forEach.call(form.elements, function (el) { if (el.name) body[el.name] = el.value; });
        var text = JSON.stringify(body);
        if (text === lastForm) return; // a change event after the same input: nothing new to confirm
        lastForm = text;
        post("form", body).catch(function (err) { lastForm = ""; say("remote-form-state", err.message); });
      }, 300);
    };
    form.addEventListener("input", sync);
    form.addEventListener("change", sync);
    var push = function (which) {
      var item = $("rf-item").value;
      if (!item) { say("remote-form-state", "请先在表单中选择事项"); return; }
      post("link", { item: Number(item), which: which })
        .then(function () { say("remote-form-state", "已推送给求助方。"); })
        .catch(function (err) { say("remote-form-state", err.message); });
    };
    $("remote-push-guide").addEventListener("click", function () { push("guide"); });
    $("remote-push-notice").addEventListener("click", function () { push("notice"); });
    $("remote-accept").addEventListener("click", function () {
      $("remote-accept").disabled = true;
      fetch(root.dataset.acceptUrl, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf } })
        .then(function (r) { return r.json().then(function (d) { return [r.ok, d]; }); })
        .then(function (res) {
          var el = $("remote-case");
          if (!res[0]) { el.textContent = res[1].message; $("remote-accept").disabled = false; return; }
          el.textContent = "已远程受理，办件编号 " + res[1].case + "：";
          var a = document.createElement("a");
          a.href = res[1].url;
          a.textContent = "查看办件";
          el.appendChild(a);
        });
    });
    if (form.querySelector("#rf-applicant_name").value) sync();
  } else {
    $("remote-confirm").addEventListener("click", function () {
      post("confirm", { seq: formSeq }).catch(function (err) { say("remote-confirm-state", err.message); });
    });
  }

  // media readiness: after getUserMedia answered, a peer's media event waiting for us is handled
  var origAnnounce = announce;
  announce = function () { origAnnounce(); mediaReady(); };

  poll(true);
})();
