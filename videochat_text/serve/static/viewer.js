// One video: the player, its description's progress, the summary, the timeline (lanes and list),
// the boxes over the picture, and the moments a citation or a search hit points at.
import { $, api, clock, el, events, json, showError, withTimeLinks } from "./util.js";

export const viewer = { id: null, video: null, description: null, boxes: null, moment: null, watching: null, failed: null };

// Tells the rest of the page (the list, the chat) what the viewer shows.
function announce(name) {
  document.dispatchEvent(new CustomEvent(name, { detail: { id: viewer.id, video: viewer.video } }));
}

export function seek(seconds) {
  $("player").currentTime = seconds;
  drawBoxes();
}

// Open a video; with moment {at, cite}: seek there and mark the cited entries once they are shown.
export async function openVideo(id, moment = null) {
  viewer.moment = moment;
  if (viewer.id === id) {  // already open (or opening): only go to the moment
    if (viewer.description) showMoment(moment);
    else if (moment) seek(moment.at);
    return;
  }
  Object.assign(viewer, { id, video: null, description: null, boxes: null });
  $("welcome").hidden = true;
  $("viewer").hidden = false;
  $("video-title").textContent = "";
  $("video-meta").textContent = "";
  $("described").hidden = true;
  $("failure-box").hidden = true;
  $("player").src = `/api/videos/${id}/media`;
  if (moment) seek(moment.at);  // before its metadata loads the player keeps it as the start position
  clearOverlay();
  announce("video-opened");
  try {
    viewer.video = await json(`/api/videos/${id}`);
  } catch (error) {  // e.g. a deleted video still named in the address
    showError(error);
    closeVideo(id);
    return;
  }
  if (viewer.id !== id) return;
  showVideoHead(viewer.video);
  announce("video-opened");
  await watchProgress(id);
}

export function closeVideo(id) {
  if (viewer.id !== id) return;
  Object.assign(viewer, { id: null, video: null, description: null, boxes: null, watching: null });
  $("player").removeAttribute("src");
  $("viewer").hidden = true;
  $("welcome").hidden = false;
  announce("video-opened");
}

function isAudio() {
  if (viewer.description) return !viewer.description.video.has_video;
  return viewer.video?.kind === "audio";
}

function showVideoHead(video) {
  $("video-title").textContent = video.name;
  $("video-title").title = video.name;
  const audio = isAudio();
  $("viewer").classList.toggle("audio", audio);
  $("boxes-toggle").hidden = audio;  // nothing to draw over sound
  const d = viewer.description;
  if (!d) { $("video-meta").textContent = audio ? "audio" : ""; return; }
  const v = d.video, count = `${d.events.length} ${d.events.length === 1 ? "event" : "events"}`;
  $("video-meta").textContent = audio ? `${clock(v.duration)} · audio · ${count}`
    : `${clock(v.duration)} · ${v.width}×${v.height} · ${count}`;
}

async function watchProgress(id) {
  viewer.watching = id;
  $("progress").hidden = false;
  const stages = $("stages");
  stages.replaceChildren();
  const bars = {};
  let last = null;
  try {
    for await (const { data } of events(await api(`/api/videos/${id}/progress`))) {
      if (viewer.watching !== id) return;  // another video was opened meanwhile
      last = data;
      $("progress-status").textContent = data.status === "queued" ? "waiting for the videos before it" : "";
      showStage(stages, bars, data);
    }
  } catch (error) { if (viewer.watching === id) showError(error); return; }
  if (viewer.watching !== id) return;
  $("progress").hidden = true;
  if (last?.status === "failed") showFailure(`Describing failed: ${last.error}`, id);
  else if (last?.status === "done" || last?.status === "live") await showDescription(id);  // live: live.js renews it
  announce("video-described");
}

function showStage(stages, bars, data) {
  const { stage, done, total } = data.progress;
  if (!stage || stage === "starting" || data.status !== "describing") return;
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

function showFailure(message, retryId = null) {
  $("failure").textContent = message;
  viewer.failed = retryId;
  $("retry").hidden = retryId == null;
  $("failure-box").hidden = false;
}

async function retry(id) {
  try {
    await api(`/api/videos/${id}/retry`, { method: "POST" });
  } catch (error) { showError(error); return; }
  $("failure-box").hidden = true;
  announce("video-described");  // the list shows it queued again
  if (viewer.id === id) await watchProgress(id);
}

export async function showDescription(id) {
  const [description, boxes] = await Promise.all([
    json(`/api/videos/${id}/description`), json(`/api/videos/${id}/boxes`)]);
  if (viewer.id !== id) return;
  Object.assign(viewer, { description, boxes });
  const name = viewer.video?.name || description.video.path;
  showVideoHead(viewer.video || { name });
  $("summary").replaceChildren(withTimeLinks(description.summary ? description.summary.text : "", seek));
  for (const [link, format, ext] of [["dl-json", "json", "json"], ["dl-srt", "srt", "srt"], ["dl-md", "markdown", "md"]]) {
    $(link).href = `/api/videos/${id}/description?format=${format}`;
    $(link).setAttribute("download", `${name.replace(/\.[^.]*$/, "") || "video"}.${ext}`);
  }
  if (description.failures.length) {
    showFailure(description.failures.map((f) => `Module ${f.module} failed: ${f.error}`).join("\n"));
  }
  renderTimeline();
  $("described").hidden = false;
  drawBoxes();
  showMoment(viewer.moment);
}

// --- the timeline ---------------------------------------------------------------
function renderTimeline() {
  const { events: list, video } = viewer.description;
  const modules = [...new Set(list.map((e) => e.module))].sort();
  const duration = Math.max(video.duration, 0.001);
  $("lanes").replaceChildren(...modules.map((module) => el("div", { class: "lane" },
    el("span", { class: `lane-name module-${module}`, text: module }),
    el("div", { class: "lane-track" }, ...list.filter((e) => e.module === module).map((e) => el("button", {
      class: `block module-${module}`, title: `${clock(e.start)} ${e.text}`, "data-event": e.id,
      style: { left: `${(100 * e.start) / duration}%`, width: `${Math.max(0.8, (100 * (e.end - e.start)) / duration)}%` },
      onclick: () => seek(e.start),
    }))))));
  $("timeline").replaceChildren(...list.map((e) => el("li", {
    class: "entry", "data-event": e.id, "data-start": String(e.start), tabindex: "0", role: "button",
    onclick: () => seek(e.start),
    onkeydown: (k) => { if (k.key === "Enter" || k.key === " ") { k.preventDefault(); seek(e.start); } },
  },
  el("span", { class: "when", text: e.end - e.start >= 1 ? `${clock(e.start)}–${clock(e.end)}` : clock(e.start) }),
  el("span", { class: `chip module-${e.module}`, text: e.module }),
  el("span", { class: "text", text: e.text }))));
  filterTimeline();
}

export function filterTimeline() {
  const query = $("search").value.trim().toLowerCase();
  const all = viewer.description ? viewer.description.events : [];
  const matches = new Set(all.filter((e) => !query || e.text.toLowerCase().includes(query) || e.module.includes(query))
    .map((e) => e.id));
  for (const node of document.querySelectorAll("#timeline .entry")) node.hidden = !matches.has(node.dataset.event);
  for (const node of document.querySelectorAll("#lanes .block")) node.classList.toggle("dim", !matches.has(node.dataset.event));
  $("match-count").textContent = query ? `${matches.size} of ${all.length}` : "";
}

export function highlightNow() {
  if (!viewer.description) return;
  const t = $("player").currentTime;
  const list = viewer.description.events;  // in the same order as the entries
  document.querySelectorAll("#timeline .entry").forEach((node, i) => {
    const e = list[i];
    node.classList.toggle("now", e.start <= t + 0.05 && t <= Math.max(e.end, e.start + 1));
  });
}

// A cited moment: the player seeks to it, its entries are marked in the list and the lanes,
// and the first is scrolled into view.
export function showMoment(moment) {
  if (!moment) return;
  seek(moment.at);
  const ids = new Set(moment.cite || []);
  let first = null;
  for (const node of document.querySelectorAll("#timeline .entry, #lanes .block")) {
    const cited = ids.has(node.dataset.event);
    node.classList.toggle("cited", cited);
    if (cited && !first && node.matches(".entry")) first = node;
  }
  if (first) first.scrollIntoView({ block: "nearest" });
}

// --- boxes over the playing video --------------------------------------------------
function clearOverlay() {
  const canvas = $("overlay");
  canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
  canvas.dataset.boxes = "0";
}

// The boxes of the sampled frame t falls in: a frame's boxes stand for the interval until the
// next sample (every_s), and never past a cut, where the picture they were found on ends.
export function boxesAt(boxes, t) {
  const frames = boxes ? boxes.frames : [];
  let lo = 0, hi = frames.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (frames[mid].time <= t + 0.02) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  if (found < 0) return [];
  const from = frames[found].time;
  const cut = (boxes.cuts || []).find((c) => c > from + 0.02);
  const until = Math.min(from + boxes.every_s, cut ?? Infinity);
  return t < until ? frames[found].boxes : [];
}

function labelColor(label) {
  let hash = 0;
  for (const c of label) hash = (hash * 31 + c.charCodeAt(0)) % 360;
  return `hsl(${hash}, 85%, 55%)`;
}

export function drawBoxes() {
  const player = $("player"), canvas = $("overlay");
  const rect = player.getBoundingClientRect();
  canvas.width = Math.round(rect.width);
  canvas.height = Math.round(rect.height);
  clearOverlay();
  const data = viewer.boxes;
  if (!data || !data.width || !$("show-boxes").checked) return;
  const boxes = boxesAt(data, player.currentTime);
  // Where the picture sits inside the element (object-fit: contain letterboxes it).
  const scale = Math.min(canvas.width / data.width, canvas.height / data.height);
  const offsetX = (canvas.width - data.width * scale) / 2, offsetY = (canvas.height - data.height * scale) / 2;
  const ctx = canvas.getContext("2d");
  ctx.lineWidth = 2;
  ctx.font = "12px system-ui, sans-serif";
  for (const box of boxes) {
    const [x1, y1, x2, y2] = box.box;
    const x = offsetX + x1 * scale, y = offsetY + y1 * scale;
    const color = labelColor(box.label);
    ctx.strokeStyle = color;
    ctx.strokeRect(x, y, (x2 - x1) * scale, (y2 - y1) * scale);
    const label = box.score == null ? box.label : `${box.label} ${Math.round(box.score * 100)}%`;
    ctx.fillStyle = color;
    ctx.fillRect(x, Math.max(0, y - 16), ctx.measureText(label).width + 8, 16);
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

export function setupViewer() {
  $("search").addEventListener("input", filterTimeline);
  const player = $("player");
  player.addEventListener("play", animate);
  for (const name of ["seeked", "loadedmetadata", "pause", "timeupdate"]) {
    player.addEventListener(name, () => { drawBoxes(); highlightNow(); });
  }
  window.addEventListener("resize", drawBoxes);
  $("show-boxes").addEventListener("change", drawBoxes);
  $("retry").addEventListener("click", () => { if (viewer.failed) retry(viewer.failed); });
}
