// The chat: one conversation per video and one across all videos, kept by the server (restored
// on reload and when a video is opened again); answers show their state at once and stream in;
// the next question can be typed and sent while one is being answered.
import { $, api, clock, el, events, json, showError, timeLink, withTimeLinks } from "./util.js";
import { openVideo, viewer } from "./viewer.js";

const chat = { scope: "video", conversations: new Map(), library: { total: 0, described: false } };

// What an answer is waiting for, as the server's status events say (elapsed seconds count on here).
const STAGES = {
  sending: (s) => (s < 1 ? "sending…" : `waiting for the answer… ${s} s`),
  waiting: () => "waiting for the answer before it…",
  busy: (s) => `the server is busy: asking again… ${s} s`,
  // position 1: the next question the model takes
  queued: (s, position) => (position > 1
    ? `in the queue: ${position - 1} ${position === 2 ? "question" : "questions"} before it… ${s} s`
    : `next in the queue… ${s} s`),
  reading: () => "reading the timeline…",
  thinking: (s) => `thinking… ${s} s`,
  checking: () => "checking the answer…",
  retrying: (s) => `asking again, more strictly… ${s} s`,
};

const keyOf = (scope) => (scope === "all" ? "all" : viewer.id ? `video:${viewer.id}` : null);

function conversation(key) {
  let conv = chat.conversations.get(key);
  if (!conv) {
    const videoId = key === "all" ? null : key.slice("video:".length);
    conv = { key, videoId, base: videoId ? `/api/videos/${videoId}` : "/api", session: null, pending: 0,
      history: el("div", { class: "history" }), node: null };
    conv.node = el("div", { class: "conversation", "data-key": key }, hint(conv), conv.history);
    conv.queue = restore(conv);  // questions asked before it is restored wait for it
    chat.conversations.set(key, conv);
  }
  return conv;
}

function hint(conv) {
  return el("p", { class: "muted hint", text: conv.videoId
    ? "Answers cite the moments they rest on: click one to see it."
    : "Ask across every described video: each citation opens its video at that moment." });
}

// The turns the server kept for this conversation (a server without conversation routes: none).
async function restore(conv) {
  let body;
  try {
    body = await json(`${conv.base}/conversation`);
  } catch (error) {
    if (![404, 405, 409].includes(error.status)) showError(error);
    return;
  }
  conv.session = body.session || null;
  for (const turn of body.turns || []) {
    const shown = newTurn(conv, turn.question, conv.history);
    finishTurn(conv, shown, turn.answer, turn.citations);
  }
  scrollDown();
}

export function showConversation() {
  const key = keyOf(chat.scope);
  $("messages").replaceChildren(key ? conversation(key).node
    : el("p", { class: "muted hint", text: chat.library.total ? "Open a video to ask about it." : "" }));
  $("new-conversation").disabled = !key;
  updateInput();
  scrollDown();
}

function updateInput() {
  let enabled = false, placeholder = "Upload a video to ask about it";
  if (chat.scope === "all") {
    enabled = chat.library.described;
    if (chat.library.total) placeholder = enabled ? "Ask across all videos…" : "Available once a video is described";
  } else if (viewer.id) {
    enabled = !!viewer.description;
    placeholder = enabled ? "Ask about this video…" : "Available once the video is described";
  } else if (chat.library.total) {
    placeholder = "Open a video to ask about it";
  }
  $("question").disabled = !enabled;
  $("ask-button").disabled = !enabled;
  $("question").placeholder = placeholder;
}

function scrollDown() {
  const messages = $("messages");
  messages.scrollTop = messages.scrollHeight;
}

// --- one question and its answer ------------------------------------------------------
function newTurn(conv, question, into = conv.node) {
  const body = el("div", { class: "body" });
  const status = el("p", { class: "status", role: "status" });
  const bubble = el("div", { class: "message assistant" }, body, status);
  into.append(el("div", { class: "message user", text: question }), bubble);
  return { bubble, body, status, text: "", stage: null, elapsed: 0, position: null, at: 0, timer: null };
}

function setStage(turn, stage, elapsed = 0, position = null) {
  Object.assign(turn, { stage, elapsed, position, at: performance.now() });
  showStage(turn);
  turn.timer ??= setInterval(() => showStage(turn), 250);
}

function showStage(turn) {
  const seconds = Math.floor(turn.elapsed + (performance.now() - turn.at) / 1000);
  turn.status.textContent = (STAGES[turn.stage] || STAGES.sending)(seconds, turn.position);
  turn.status.dataset.stage = turn.stage;
}

function ask(question) {
  const conv = conversation(keyOf(chat.scope));
  const turn = newTurn(conv, question);
  turn.bubble.classList.add("pending");
  setStage(turn, conv.pending++ ? "waiting" : "sending");
  scrollDown();
  conv.queue = conv.queue.then(() => answer(conv, question, turn)).finally(() => { conv.pending--; });
}

// POST the question; while the server's model queue is full (429), wait as it says and try again.
async function send(conv, question, turn) {
  for (let tries = 1; ; tries++) {
    try {
      return await api(`${conv.base}/ask`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify({ question, session: conv.session }),
      });
    } catch (error) {
      if (error.status !== 429 || tries >= 10) throw error;
      setStage(turn, "busy");
      await new Promise((resolve) => setTimeout(resolve, 1000 * Math.min(30, error.retryAfter || 2)));
    }
  }
}

async function answer(conv, question, turn) {
  setStage(turn, "sending");
  try {
    const response = await send(conv, question, turn);
    for await (const { event, data } of events(response)) {
      if (event === "status") setStage(turn, data.stage, data.elapsed_s || 0, data.position ?? null);
      else if (event === "chunk") { turn.text += data.text; turn.body.textContent = turn.text; scrollDown(); }
      else if (event === "done") { conv.session = data.session; finishTurn(conv, turn, data.answer || turn.text, data.citations); }
      else if (event === "error") throw new Error(data.error);
    }
  } catch (error) {
    turn.bubble.classList.add("error");
    turn.body.textContent = error.message;
  } finally {
    clearInterval(turn.timer);
    turn.status.remove();
    turn.bubble.classList.remove("pending");
    scrollDown();
  }
}

function finishTurn(conv, turn, text, citations) {
  // Times in a video's answer seek its player; across videos a time alone names no video.
  turn.body.replaceChildren(conv.videoId ? withTimeLinks(text, (t) => openVideo(conv.videoId, { at: t })) : text);
  turn.status.remove();
  if (citations && citations.length) turn.bubble.append(citationList(conv, citations));
}

// A citation (its time or its text) opens its video at that moment and marks its entries.
function citationList(conv, citations) {
  return el("ul", { class: "citations" }, ...citations.map((c) => {
    const video = c.video && typeof c.video === "object" ? c.video : null;
    const go = () => openVideo(video?.id || conv.videoId, { at: c.start, cite: c.event_ids || [] });
    return el("li", { class: "citation", tabindex: "0", role: "button", onclick: go,
      onkeydown: (k) => { if (k.key === "Enter") go(); } },
    video && !conv.videoId ? el("a", { class: "video-link", href: "#", text: video.name,
      onclick: (e) => { e.preventDefault(); e.stopPropagation(); go(); } }) : null,
    timeLink(c.start, clock(c.start), go),
    el("span", { class: `chip module-${c.module}`, text: c.module }),
    el("span", { class: "text", text: c.text }));
  }));
}

async function newConversation() {
  const key = keyOf(chat.scope);
  if (!key) return;
  const conv = chat.conversations.get(key);
  try {
    await api(`${conv ? conv.base : "/api"}/conversation`, { method: "DELETE" });
  } catch (error) {
    if (![404, 405].includes(error.status)) { showError(error); return; }
  }
  chat.conversations.delete(key);  // answers still coming finish into the old, hidden one
  showConversation();
  $("question").focus();
}

function setScope(scope) {
  chat.scope = scope;
  for (const [id, value] of [["scope-video", "video"], ["scope-all", "all"]]) {
    $(id).setAttribute("aria-selected", String(value === scope));
  }
  document.dispatchEvent(new CustomEvent("scope-changed", { detail: { scope } }));
  showConversation();
}

export const chatScope = () => chat.scope;

export function setupChat(scope = "video") {
  $("ask-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const question = $("question").value.trim();
    if (!question || $("question").disabled) return;
    $("question").value = "";
    ask(question);
  });
  $("question").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("ask-form").requestSubmit(); }
  });
  $("scope-video").addEventListener("click", () => setScope("video"));
  $("scope-all").addEventListener("click", () => setScope("all"));
  $("new-conversation").addEventListener("click", newConversation);
  document.addEventListener("video-opened", () => { if (chat.scope === "video") showConversation(); else updateInput(); });
  document.addEventListener("video-described", updateInput);
  document.addEventListener("library-changed", (e) => {
    if (e.detail.name) return;  // a filtered list says nothing about the whole library
    chat.library = { total: e.detail.total, described: e.detail.described };
    updateInput();
    if (!$("messages").firstChild || !keyOf(chat.scope)) showConversation();
  });
  setScope(scope);
}
