// The library: the list of videos (a page at a time, filtered by name), uploading and deleting,
// and the search over every video's timeline.
import { $, afterRefusal, api, authHeaders, clock, el, json, showError, timeLink, toast } from "./util.js";
import { closeVideo, openVideo, viewer } from "./viewer.js";

const PAGE = 100;
const list = { videos: [], total: 0, name: "", nodes: new Map(), loading: Promise.resolve(), poll: null, more: null };

// GET /api/videos?offset&limit&name → {videos, total}: one page of the library.
function fetchVideos(offset, limit, name) {
  const query = new URLSearchParams({ offset, limit });
  if (name) query.set("name", name);
  return json(`/api/videos?${query}`);
}

// One load at a time, in order: a refresh, the next page, a new filter.
export function loadVideos({ more = false } = {}) {
  list.loading = list.loading.then(() => load(more)).catch(showError);
  return list.loading;
}

async function load(more) {
  const name = list.name;
  const offset = more ? list.videos.length : 0;
  // A refresh reads again what is shown (the server gives at most 1,000 at once: the rest stays).
  const limit = more ? PAGE : Math.min(1000, Math.max(PAGE, list.videos.length));
  const body = await fetchVideos(offset, limit, name);
  if (name !== list.name) return;  // the filter changed meanwhile: its own load follows
  list.videos = more ? [...list.videos, ...body.videos] : [...body.videos, ...list.videos.slice(limit)];
  list.total = body.total;
  renderVideoList();
  clearTimeout(list.poll);
  if (list.videos.some((v) => v.status === "queued" || v.status === "describing")) {
    list.poll = setTimeout(() => loadVideos(), 2000);
  }
  document.dispatchEvent(new CustomEvent("library-changed", {
    detail: { total: list.total, described: list.videos.some((v) => v.status === "done"), name } }));
}

export const firstVideo = () => list.videos.find((v) => v.status === "done") || list.videos[0];

function videoItem(video) {
  return el("li", { "data-id": video.id, tabindex: "0", onclick: () => openVideo(video.id),
    onkeydown: (k) => { if (k.key === "Enter") openVideo(video.id); } },
  el("span", { class: "name", text: video.name, title: video.name }),
  video.kind === "audio" ? el("span", { class: "chip kind", text: "audio" }) : null,
  el("span", { class: "chip status" }),
  el("button", { class: "delete", title: `Delete ${video.name}`, "aria-label": `Delete ${video.name}`, text: "×",
    onclick: (e) => { e.stopPropagation(); deleteVideo(video); } }));
}

// Items are kept by id and only their status changes: a refresh of 1,000 rebuilds nothing.
function renderVideoList() {
  const nodes = list.videos.map((video) => {
    let item = list.nodes.get(video.id);
    if (!item) list.nodes.set(video.id, item = videoItem(video));
    const chip = item.querySelector(".chip.status");
    chip.className = `chip status ${video.status}`;
    chip.textContent = video.status;
    chip.title = video.error || "";
    item.classList.toggle("active", video.id === viewer.id);
    return item;
  });
  const shown = new Set(list.videos.map((v) => v.id));
  for (const id of list.nodes.keys()) if (!shown.has(id)) list.nodes.delete(id);
  $("video-list").replaceChildren(...nodes);
  const left = list.total - list.videos.length;
  $("more-videos").hidden = left <= 0;
  $("more-videos").textContent = `Show ${Math.min(PAGE, left)} more`;
  $("video-count").textContent = list.total ? (left > 0 ? `${list.videos.length} of ${list.total}` : `${list.total}`) : "";
  $("library-empty").hidden = list.total > 0;
  $("library-empty").textContent = list.name ? "No video's name matches." : "No videos yet.";
}

export function markOpen() {
  for (const [id, item] of list.nodes) item.classList.toggle("active", id === viewer.id);
}

async function deleteVideo(video) {
  if (!confirm(`Delete ${video.name}?`)) return;
  try {
    await api(`/api/videos/${video.id}`, { method: "DELETE" });
  } catch (error) { showError(error); return; }
  closeVideo(video.id);
  await loadVideos();
}

// --- uploading ----------------------------------------------------------------------
function upload(file) {
  const bar = $("upload-bar");
  bar.hidden = false;
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();  // fetch cannot report upload progress
    request.open("POST", "/api/videos");
    const sent = authHeaders();
    for (const [key, value] of Object.entries(sent)) request.setRequestHeader(key, value);
    request.upload.onprogress = (e) => { if (e.lengthComputable) bar.firstChild.style.width = `${(100 * e.loaded) / e.total}%`; };
    request.onload = async () => {
      bar.hidden = true;
      if (request.status === 401) { await afterRefusal(sent); resolve(upload(file)); return; }
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

export async function uploadAndOpen(file) {
  try {
    const video = await upload(file);
    // The same bytes are the same video: say so rather than silently open the old entry.
    if (video.new === false) toast(`Already uploaded as “${video.name}”: opening it.`, "info");
    await loadVideos();
    await openVideo(video.id);
  } catch (error) { showError(error); }
}

// --- search over every video ------------------------------------------------------------
const RESULTS = 20;
const found = { query: "", offset: 0, total: 0, groups: new Map() };

export async function searchAll(text) {
  const query = text.trim();
  if (!query) { $("results").hidden = true; return; }
  Object.assign(found, { query, offset: 0, total: 0, groups: new Map() });
  $("result-groups").replaceChildren();
  await moreResults();
}

async function moreResults() {
  const query = found.query;
  let body;
  try {
    body = await json(`/api/search?${new URLSearchParams({ q: query, offset: found.offset, limit: RESULTS })}`);
  } catch (error) { showError(error); return; }
  if (query !== found.query) return;
  let moments = 0;
  for (const group of body.groups) {
    moments += group.moments.length;
    resultGroup(group.video).append(...group.moments.map((m) => momentItem(group.video, m)));
  }
  found.offset += moments;
  found.total = body.total;
  $("results-title").textContent = body.total
    ? `${body.total} ${body.total === 1 ? "moment" : "moments"} for “${query}”`
    : `Nothing found for “${query}”`;
  $("more-results").hidden = found.offset >= body.total || moments === 0;
  $("results").hidden = false;
}

function resultGroup(video) {
  let moments = found.groups.get(video.id);
  if (!moments) {
    moments = el("ul", { class: "moments" });
    found.groups.set(video.id, moments);
    $("result-groups").append(el("section", { class: "result-group", "data-video": video.id },
      el("h3", {}, el("a", { href: "#", class: "video-link", text: video.name,
        onclick: (e) => { e.preventDefault(); openVideo(video.id); } })),
      moments));
  }
  return moments;
}

function momentItem(video, moment) {
  const go = () => {
    for (const node of document.querySelectorAll("#results .moment.open")) node.classList.remove("open");
    item.classList.add("open");
    openVideo(video.id, { at: moment.start, cite: moment.event_ids });
    $("viewer").scrollIntoView({ block: "start" });
  };
  const item = el("li", { class: "moment", "data-start": String(moment.start), tabindex: "0", role: "button",
    onclick: go, onkeydown: (k) => { if (k.key === "Enter") go(); } },
  timeLink(moment.start, clock(moment.start), go),
  el("span", { class: `chip module-${moment.module}`, text: moment.module }),
  el("span", { class: "text", text: moment.text }));
  return item;
}

export function setupLibrary() {
  let typing = null;
  $("video-filter").addEventListener("input", (e) => {
    clearTimeout(typing);
    typing = setTimeout(() => { list.name = e.target.value.trim(); loadVideos(); }, 150);
  });
  $("more-videos").addEventListener("click", () => loadVideos({ more: true }));
  // The next page comes by itself when the list is scrolled near its end.
  const videoList = $("video-list");
  videoList.addEventListener("scroll", () => {
    const nearEnd = videoList.scrollTop + videoList.clientHeight >= videoList.scrollHeight - 40;
    if (nearEnd && !$("more-videos").hidden && !list.more) {
      list.more = loadVideos({ more: true }).finally(() => { list.more = null; });
    }
  });
  $("search-all-form").addEventListener("submit", (e) => { e.preventDefault(); searchAll($("search-all").value); });
  $("more-results").addEventListener("click", moreResults);
  $("close-results").addEventListener("click", () => { $("results").hidden = true; $("search-all").value = ""; });
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
  zone.addEventListener("keydown", (e) => { if (e.key === "Enter") $("file-input").click(); });
  document.addEventListener("video-opened", markOpen);
  document.addEventListener("video-described", () => loadVideos());
}
