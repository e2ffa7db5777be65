// videochat-text web app: plain JS, no build step. Every text that comes from a video
// (speech, on-screen text, captions, answers, file names) goes into the page through
// textContent or attributes, never innerHTML.
"use strict";

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "videochat-text-token";
const TOKEN_COOKIE = "videochat_text_token";
const state = { videos: [], current: null, description: null, boxes: null, sessions: {}, watching: null };

// --- small helpers ---------------------------------------------------------------
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else if (key === "style") Object.assign(node.style, value);  // CSSOM: allowed by the page's CSP
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key in node && typeof value !== "string") node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

function clock(seconds) {
  // 0:04 / 1:02:03, the way people say times (the API and the model use h:mm:ss.s).
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

function parseClock(text) {
  const parts = text.split(":").map(Number);
  return parts.reduce((total, part) => total * 60 + part, 0);
}

function seek(seconds) {
  const player = $("player");
  player.currentTime = seconds;
  drawBoxes();
}

function timeLink(seconds, label) {
  return el("a", { class: "time", href: "#", text: label ?? clock(seconds), "data-seconds": String(seconds),
    onclick: (e) => { e.preventDefault(); seek(seconds); } });
}

// Text with its times ("0:00:04.3", "1:05") as links that seek the player.
const TIME_PATTERN = /\b(?:\d{1,2}:)?\d{1,2}:\d{2}(?:\.\d+)?\b/g;
function withTimeLinks(text) {
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(TIME_PATTERN)) {
    fragment.append(text.slice(last, match.index));
    fragment.append(timeLink(parseClock(match[0]), match[0]));
    last = match.index + match[0].length;
  }
  fragment.append(text.slice(last));
  return fragment;
}

// --- the API ---------------------------------------------------------------------
function authHeaders() {
  const token = localStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

function askForToken() {
  return new Promise((resolve) => {
    const dialog = $("token-dialog");
    dialog.addEventListener("close", () => {
      const token = $("token-input").value.trim();
      localStorage.setItem(TOKEN_KEY, token);
      // <video> and download links cannot send a header: the server also reads this cookie on GETs.
      document.cookie = `${TOKEN_COOKIE}=${encodeURIComponent(token)}; path=/; SameSite=Strict`;
      resolve();
    }, { once: true });
    dialog.showModal();
  });
}

async function api(path, options = {}) {
  for (;;) {
    const response = await fetch(path, { ...options, headers: { ...authHeaders(), ...(options.headers || {}) } });
    if (response.status === 401) { await askForToken(); continue; }
    if (!response.ok) {
      let message = `${response.status} ${response.statusText}`;
      try { message = (await response.json()).error || message; } catch (_) { /* not JSON */ }
      throw new Error(message);
    }
    return response;
  }
}

// Server-Sent Events over fetch (EventSource cannot send the Authorization header).
async function* events(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message", data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).trim();
      }
      if (data) yield { event, data: JSON.parse(data) };
    }
  }
}

// --- the library -----------------------------------------------------------------
async function loadVideos() {
  state.videos = await (await api("/api/videos")).json();
  renderVideoList();
  if (state.videos.some((v) => v.status === "queued" || v.status === "describing")) {
    setTimeout(() => loadVideos().catch(showError), 2000);
  }
}

function renderVideoList() {
  const list = $("video-list");
  list.replaceChildren(...state.videos.map((video) => el("li", {
    class: video.id === state.current ? "active" : "", "data-id": video.id,
    onclick: () => openVideo(video.id),
  },
  el("span", { class: "name", text: video.name, title: video.name }),
  el("span", { class: `chip ${video.status}`, text: video.status }),
  el("button", { class: "delete", title: "Delete this video", text: "×",
    onclick: (e) => { e.stopPropagation(); deleteVideo(video); } }))));
  $("library-empty").hidden = state.videos.length > 0;
}

async function deleteVideo(video) {
  if (!confirm(`Delete ${video.name}?`)) return;
  await api(`/api/videos/${video.id}`, { method: "DELETE" });
  if (state.current === video.id) { state.current = null; $("viewer").hidden = true; $("welcome").hidden = false; }
  await loadVideos();
}

function upload(file) {
  const bar = $("upload-bar");
  bar.hidden = false;
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();  // fetch cannot report upload progress
    request.open("POST", "/api/videos");
    for (const [key, value] of Object.entries(authHeaders())) request.setRequestHeader(key, value);
    request.upload.onprogress = (e) => { if (e.lengthComputable) bar.firstChild.style.width = `${(100 * e.loaded) / e.total}%`; };
    request.onload = async () => {
      bar.hidden = true;
      if (request.status === 401) { await askForToken(); resolve(upload(file)); return; }
      let body = {};
      try { body = JSON.parse(request.responseText); } catch (_) { /* not JSON */ }
      if (request.status >= 400) reject(new Error(body.error || `upload failed (${request.status})`));
      else resolve(body);
    };
    request.onerror = () => { bar.hidden = true; reject(new Error("upload failed: the server did not answer")); };
    const form = new FormData();
    form.append("file", file);
    request.send(form);
  });
}

async function uploadAndOpen(file) {
  try {
    const video = await upload(file);
    await loadVideos();
    await openVideo(video.id);
  } catch (error) { showError(error); }
}

// --- one video -------------------------------------------------------------------
async function openVideo(id) {
  state.current = id;
  state.description = null;
  state.boxes = null;
  renderVideoList();
  const video = state.videos.find((v) => v.id === id) || (await (await api(`/api/videos/${id}`)).json());
  $("welcome").hidden = true;
  $("viewer").hidden = false;
  $("video-title").textContent = video.name;
  $("video-meta").textContent = "";
  $("player").src = `/api/videos/${id}/media`;
  $("described").hidden = true;
  $("failure").hidden = true;
  $("messages").replaceChildren(el("p", { class: "muted hint", text: "Answers cite the moments they rest on; click a time to see it." }));
  setChatEnabled(false);
  clearOverlay();
  await watchProgress(id);
}

async function watchProgress(id) {
  state.watching = id;
  $("progress").hidden = false;
  const stages = $("stages");
  stages.replaceChildren();
  const bars = {};
  const response = await api(`/api/videos/${id}/progress`);
  let last = null;
  for await (const { data } of events(response)) {
    if (state.watching !== id) return;  // another video was opened meanwhile
    last = data;
    $("progress-status").textContent = data.status === "queued" ? "waiting for the videos before it" : "";
    const { stage, done, total } = data.progress;
    if (stage && stage !== "starting" && data.status === "describing") {
      if (!bars[stage]) {
        for (const bar of Object.values(bars)) {  // a new stage: the ones before it are finished
          bar.firstChild.style.width = "100%";
          bar.classList.remove("indeterminate");
          bar.nextSibling.textContent = "done";
        }
        bars[stage] = el("div", { class: "bar" }, el("div"));
        stages.append(el("div", { class: "stage-row" }, el("span", { text: stage }), bars[stage],
          el("span", { class: "count muted" })));
      }
      bars[stage].firstChild.style.width = total ? `${Math.min(100, (100 * done) / total)}%` : "100%";
      bars[stage].classList.toggle("indeterminate", !total);
      bars[stage].nextSibling.textContent = total ? `${done}/${total}` : "";
    }
  }
  $("progress").hidden = true;
  if (!last) return;
  if (last.status === "failed") {
    $("failure").textContent = `Describing failed: ${last.error}`;
    $("failure").hidden = false;
  } else if (last.status === "done") {
    await showDescription(id);
  }
  loadVideos().catch(showError);
}

async function showDescription(id) {
  const [description, boxes] = await Promise.all([
    api(`/api/videos/${id}/description`).then((r) => r.json()),
    api(`/api/videos/${id}/boxes`).then((r) => r.json()),
  ]);
  if (state.current !== id) return;
  state.description = description;
  state.boxes = boxes;
  const v = description.video;
  const name = (state.videos.find((x) => x.id === id) || { name: "video" }).name;
  $("video-meta").textContent = `${clock(v.duration)} · ${v.width}×${v.height} · ${description.events.length} events`;
  $("summary").replaceChildren(withTimeLinks(description.summary ? description.summary.text : ""));
  for (const [link, format, ext] of [["dl-json", "json", "json"], ["dl-srt", "srt", "srt"], ["dl-md", "markdown", "md"]]) {
    $(link).href = `/api/videos/${id}/description?format=${format}`;
    $(link).setAttribute("download", `${name.replace(/\.[^.]*$/, "")}.${ext}`);
  }
  if (description.failures.length) {
    $("failure").textContent = description.failures.map((f) => `Module ${f.module} failed: ${f.error}`).join("\n");
    $("failure").hidden = false;
  }
  renderTimeline();
  $("described").hidden = false;
  setChatEnabled(true);
  drawBoxes();
}

function renderTimeline() {
  const { events, video } = state.description;
  const modules = [...new Set(events.map((e) => e.module))].sort();
  const duration = Math.max(video.duration, 0.001);
  $("lanes").replaceChildren(...modules.map((module) => el("div", { class: "lane" },
    el("span", { class: `lane-name module-${module}`, text: module }),
    el("div", { class: "lane-track" }, ...events.filter((e) => e.module === module).map((e) => el("button", {
      class: `block module-${module}`, title: `${clock(e.start)} ${e.text}`, "data-event": e.id,
      style: { left: `${(100 * e.start) / duration}%`, width: `${Math.max(0.8, (100 * (e.end - e.start)) / duration)}%` },
      onclick: () => seek(e.start),
    }))))));
  $("timeline").replaceChildren(...events.map((e) => el("li", {
    class: "entry", "data-event": e.id, "data-start": String(e.start), tabindex: "0", role: "button",
    onclick: () => seek(e.start),
    onkeydown: (k) => { if (k.key === "Enter" || k.key === " ") { k.preventDefault(); seek(e.start); } },
  },
  el("span", { class: "when", text: e.end - e.start >= 1 ? `${clock(e.start)}–${clock(e.end)}` : clock(e.start) }),
  el("span", { class: `chip module-${e.module}`, text: e.module }),
  el("span", { class: "text", text: e.text }))));
  filterTimeline();
}

function filterTimeline() {
  const query = $("search").value.trim().toLowerCase();
  let shown = 0;
  const matches = new Set();
  for (const e of state.description ? state.description.events : []) {
    if (!query || e.text.toLowerCase().includes(query) || e.module.includes(query)) { matches.add(e.id); shown++; }
  }
  for (const node of document.querySelectorAll("#timeline .entry")) node.hidden = !matches.has(node.dataset.event);
  for (const node of document.querySelectorAll("#lanes .block")) node.classList.toggle("dim", !matches.has(node.dataset.event));
  $("match-count").textContent = query ? `${shown} of ${state.description.events.length}` : "";
}

function highlightNow() {
  if (!state.description) return;
  const t = $("player").currentTime;
  const events = state.description.events;  // in the same order as the entries
  document.querySelectorAll("#timeline .entry").forEach((node, i) => {
    const e = events[i];
    node.classList.toggle("now", e.start <= t + 0.05 && t <= Math.max(e.end, e.start + 1));
  });
}

// --- boxes over the playing video ---------------------------------------------------
function clearOverlay() {
  const canvas = $("overlay");
  canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
  canvas.dataset.boxes = "0";
}

function boxesAt(t) {
  // The last sampled frame at or before t, while it is still the latest sample.
  const frames = state.boxes ? state.boxes.frames : [];
  let lo = 0, hi = frames.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (frames[mid].time <= t + 0.02) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  if (found < 0 || t > frames[found].time + state.boxes.every_s * 1.5) return [];
  return frames[found].boxes;
}

function labelColor(label) {
  let hash = 0;
  for (const c of label) hash = (hash * 31 + c.charCodeAt(0)) % 360;
  return `hsl(${hash}, 85%, 55%)`;
}

function drawBoxes() {
  const player = $("player"), canvas = $("overlay");
  const rect = player.getBoundingClientRect();
  canvas.width = Math.round(rect.width);
  canvas.height = Math.round(rect.height);
  clearOverlay();
  if (!state.boxes || !$("show-boxes").checked) return;
  const boxes = boxesAt(player.currentTime);
  // Where the picture sits inside the element (object-fit: contain letterboxes it).
  const scale = Math.min(canvas.width / state.boxes.width, canvas.height / state.boxes.height);
  const offsetX = (canvas.width - state.boxes.width * scale) / 2, offsetY = (canvas.height - state.boxes.height * scale) / 2;
  const ctx = canvas.getContext("2d");
  ctx.lineWidth = 2;
  ctx.font = "12px system-ui, sans-serif";
  for (const box of boxes) {
    const [x1, y1, x2, y2] = box.box;
    const x = offsetX + x1 * scale, y = offsetY + y1 * scale, w = (x2 - x1) * scale, h = (y2 - y1) * scale;
    const color = labelColor(box.label);
    ctx.strokeStyle = color;
    ctx.strokeRect(x, y, w, h);
    const label = box.score == null ? box.label : `${box.label} ${Math.round(box.score * 100)}%`;
    const width = ctx.measureText(label).width + 8;
    ctx.fillStyle = color;
    ctx.fillRect(x, Math.max(0, y - 16), width, 16);
    ctx.fillStyle = "#111";
    ctx.fillText(label, x + 4, Math.max(12, y - 4));
  }
  canvas.dataset.boxes = String(boxes.length);
  canvas.dataset.time = String(player.currentTime);
}

function animate() {
  const player = $("player");
  if (!player.paused && !player.ended) { drawBoxes(); highlightNow(); requestAnimationFrame(animate); }
}

// --- chat ------------------------------------------------------------------------------
function setChatEnabled(enabled) {
  $("question").disabled = !enabled;
  $("ask-button").disabled = !enabled;
  $("question").placeholder = enabled ? "Ask about the video…" : "Available once the video is described";
}

function showCited(eventIds) {
  // The timeline entries a citation stands for: marked, and the first scrolled into view.
  const ids = new Set(eventIds || []);
  let first = null;
  for (const node of document.querySelectorAll("#timeline .entry")) {
    const cited = ids.has(node.dataset.event);
    node.classList.toggle("cited", cited);
    if (cited && !first) first = node;
  }
  if (first) first.scrollIntoView({ block: "nearest" });
}

function citationList(citations) {
  if (!citations || !citations.length) return null;
  return el("ul", { class: "citations" }, ...citations.map((c) => el("li", {
    onclick: () => showCited(c.event_ids),
  },
  timeLink(c.start), el("span", { class: `chip module-${c.module}`, text: c.module }),
  el("span", { class: "text", text: c.text }))));
}

async function ask(question) {
  const id = state.current;
  const messages = $("messages");
  messages.append(el("div", { class: "message user", text: question }));
  const body = el("div", { class: "body streaming" });
  const bubble = el("div", { class: "message assistant" }, body);
  messages.append(bubble);
  messages.scrollTop = messages.scrollHeight;
  setChatEnabled(false);
  let text = "";
  try {
    const response = await api(`/api/videos/${id}/ask`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify({ question, session: state.sessions[id] }),
    });
    for await (const { event, data } of events(response)) {
      if (event === "chunk") { text += data.text; body.textContent = text; messages.scrollTop = messages.scrollHeight; }
      else if (event === "done") {
        state.sessions[id] = data.session;
        body.replaceChildren(withTimeLinks(data.answer || text));
        const cited = citationList(data.citations);
        if (cited) bubble.append(cited);
      } else if (event === "error") throw new Error(data.error);
    }
  } catch (error) {
    bubble.classList.add("error");
    body.textContent = error.message;
  } finally {
    body.classList.remove("streaming");
    setChatEnabled(state.current === id && !!state.description);
    messages.scrollTop = messages.scrollHeight;
  }
}

function showError(error) {
  const note = el("div", { class: "toast", text: error.message || String(error) });
  document.body.append(note);
  setTimeout(() => note.remove(), 6000);
}

// --- wiring ----------------------------------------------------------------------------
function setup() {
  $("file-input").addEventListener("change", (e) => { if (e.target.files[0]) uploadAndOpen(e.target.files[0]); e.target.value = ""; });
  const zone = $("drop-zone");
  for (const name of ["dragenter", "dragover"]) {
    document.addEventListener(name, (e) => { e.preventDefault(); zone.classList.add("over"); });
  }
  document.addEventListener("dragleave", (e) => { if (!e.relatedTarget) zone.classList.remove("over"); });
  document.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    const file = e.dataTransfer.files[0];
    if (file) uploadAndOpen(file);
  });
  zone.addEventListener("click", () => $("file-input").click());
  $("search").addEventListener("input", filterTimeline);
  const player = $("player");
  player.addEventListener("play", animate);
  for (const name of ["seeked", "loadedmetadata", "pause", "timeupdate"]) {
    player.addEventListener(name, () => { drawBoxes(); highlightNow(); });
  }
  window.addEventListener("resize", drawBoxes);
  $("show-boxes").addEventListener("change", drawBoxes);
  $("ask-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const question = $("question").value.trim();
    if (!question) return;
    $("question").value = "";
    ask(question);
  });
  $("question").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("ask-form").requestSubmit(); }
  });
  loadVideos().then(() => {
    const first = state.videos.find((v) => v.status === "done") || state.videos[0];
    if (first) openVideo(first.id);
  }).catch(showError);
}

setup();
