// A live stream (`videochat-text watch` on the server's library): instead of a player, its latest
// picture renewed every second; its timeline growing as stretches are described; its watch rules
// (add, remove) and what they match, shown as toasts. Questions go through the chat as for a file.
// Everything here starts when a stream is opened and stops when another video is.
import { $, api, clock, el, json, showError, toast } from "./util.js";
import { openVideo, showDescription, viewer } from "./viewer.js";

const PICTURE_EVERY_MS = 1000, TIMELINE_EVERY_MS = 3000, ALERTS_EVERY_MS = 2000;
let current = null;  // { id, timers, lastAlert, duration }

function wallClock(startedAt, seconds = 0) {
  return new Date((startedAt + seconds) * 1000).toLocaleTimeString([], { hour12: false });
}

function stop() {
  if (!current) return;
  current.timers.forEach(clearInterval);
  current = null;
  $("viewer").classList.remove("stream");
  $("live-panel")?.remove();
  $("live-picture")?.remove();
}

function start(video) {
  const id = video.id, live = video.status === "live";
  current = { id, timers: [], lastAlert: 0, duration: video.duration };
  $("viewer").classList.add("stream");
  $("player").removeAttribute("src");  // a stream has no file to play
  const picture = el("img", { id: "live-picture", alt: `${video.name}: latest picture`,
    src: `/api/videos/${id}/live.jpg?t=${Date.now()}` });
  picture.addEventListener("error", () => picture.classList.add("missing"));
  picture.addEventListener("load", () => picture.classList.remove("missing"));
  $("player").after(picture);
  $("viewer").querySelector(".video-head").after(panel(video, live));
  if (!live) return;  // watched before: its picture and timeline as they were left
  const every = (ms, work) => current.timers.push(setInterval(() => { if (current?.id === id) work(); }, ms));
  every(PICTURE_EVERY_MS, () => { picture.src = `/api/videos/${id}/live.jpg?t=${Date.now()}`; });
  every(TIMELINE_EVERY_MS, () => renew(id));
  every(ALERTS_EVERY_MS, () => alerts(id, video));
  alerts(id, video, true);
}

function panel(video, live) {
  const since = wallClock(video.started_at);
  const badge = el("span", { id: "live-badge", class: live ? "badge live" : "badge",
    text: live ? `● live since ${since}` : `stream watched from ${since}` });
  const input = el("input", { id: "rule-input", type: "text", maxlength: "300", autocomplete: "off",
    placeholder: "Notify me when… e.g. a truck is seen, someone says deadline", "aria-label": "A watch rule" });
  const form = el("form", { id: "rule-form", class: "rule-form", onsubmit: (e) => { e.preventDefault(); addRule(video.id, input); } },
    input, el("button", { class: "button small", type: "submit", text: "Watch" }));
  const box = el("div", { id: "live-panel", class: "live-panel" }, badge, live ? form : null,
    el("ul", { id: "rules", class: "rules" }));
  showRules(video.id);
  return box;
}

async function showRules(id) {
  let found;
  try { found = (await json(`/api/videos/${id}/rules`)).rules; } catch (error) { showError(error); return; }
  if (current?.id !== id) return;
  $("rules").replaceChildren(...found.map((rule) => el("li", { class: "rule", "data-rule": String(rule.id) },
    el("span", { text: rule.text }),
    el("button", { class: "button small ghost", type: "button", text: "×", title: "Stop watching for this",
      onclick: () => removeRule(id, rule.id) }))));
}

async function addRule(id, input) {
  const rule = input.value.trim();
  if (!rule) return;
  try {
    await api(`/api/videos/${id}/rules`, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ rule }) });
  } catch (error) { showError(error); return; }
  input.value = "";
  showRules(id);
}

async function removeRule(id, ruleId) {
  try { await api(`/api/videos/${id}/rules/${ruleId}`, { method: "DELETE" }); } catch (error) { showError(error); return; }
  showRules(id);
}

// The timeline as described so far; when the watch ends, the stream becomes an ordinary video.
async function renew(id) {
  let video;
  try { video = await json(`/api/videos/${id}`); } catch (_) { return; }
  if (current?.id !== id) return;
  if (video.duration !== current.duration) {
    current.duration = video.duration;
    await showDescription(id);
  }
  if (video.status !== "live") {
    stop();
    viewer.video = video;
    start(video);  // as a stream watched before
  }
}

async function alerts(id, video, quietly = false) {
  let found;
  try { found = (await json(`/api/videos/${id}/alerts?after=${current.lastAlert}`)).alerts; } catch (_) { return; }
  if (current?.id !== id || !found.length) return;
  current.lastAlert = found[found.length - 1].id;
  if (quietly) return;  // matches from before the page looked: not news
  for (const alert of found) {
    toast(`${wallClock(alert.wall_start)} [${clock(alert.start)}] “${alert.rule}”: ${alert.module} reported ${alert.text}`,
      "alert");
    openVideo(id, { at: alert.start, cite: alert.event_ids });
  }
}

document.addEventListener("video-opened", () => {
  if (viewer.id !== current?.id) stop();
  if (viewer.video?.started_at != null && !current) start(viewer.video);
});
