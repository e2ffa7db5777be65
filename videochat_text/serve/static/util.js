// Small helpers every part of the page uses: building elements, times, the API, Server-Sent Events.
// Every text that comes from a video or a user (speech, on-screen text, captions, answers, file
// names) goes into the page through textContent or attributes: never as HTML.

export const $ = (id) => document.getElementById(id);

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null) continue;
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

// "0:04.8", "12:03.0", "1:02:03.5": tenths rounded half up, as the downloads and the model's
// prompt round them (1.65 s is 0:01.7 everywhere).
export function clock(seconds) {
  const tenths = Math.floor(Math.max(0, seconds) * 10 + 0.5 + 1e-6);
  const s = Math.floor(tenths / 10), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  const sec = `${String(s % 60).padStart(2, "0")}.${tenths % 10}`;
  return h ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

export function parseClock(text) {
  return text.split(":").map(Number).reduce((total, part) => total * 60 + part, 0);
}

// Text with its times ("0:00:04.3", "1:05") as links; onTime(seconds) is called on a click.
const TIME_PATTERN = /\b(?:\d{1,2}:)?\d{1,2}:\d{2}(?:\.\d+)?\b/g;
export function withTimeLinks(text, onTime) {
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(TIME_PATTERN)) {
    const seconds = parseClock(match[0]);
    fragment.append(text.slice(last, match.index), timeLink(seconds, match[0], () => onTime(seconds)));
    last = match.index + match[0].length;
  }
  fragment.append(text.slice(last));
  return fragment;
}

export function timeLink(seconds, label, onClick) {
  return el("a", { class: "time", href: "#", text: label ?? clock(seconds), "data-seconds": String(seconds),
    onclick: (e) => { e.preventDefault(); e.stopPropagation(); onClick(); } });
}

export function toast(message, kind = "error") {
  const note = el("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status", text: message });
  document.body.append(note);
  setTimeout(() => note.remove(), 6000);
}

export const showError = (error) => toast(error.message || String(error));

// --- the API ---------------------------------------------------------------------
const TOKEN_KEY = "videochat-text-token";
const TOKEN_COOKIE = "videochat_text_token";
let asking = null;  // one token dialog for all the requests that were refused at once

export function authHeaders() {
  const token = localStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

function askForToken() {
  asking ??= new Promise((resolve) => {
    const dialog = $("token-dialog");
    // A token was sent and refused: say so (not the same empty dialog again).
    const refused = localStorage.getItem(TOKEN_KEY) !== null;
    $("token-error").textContent = refused ? "That token was not accepted: check it and try again." : "";
    $("token-error").hidden = !refused;
    dialog.addEventListener("close", () => {
      const token = $("token-input").value.trim();
      localStorage.setItem(TOKEN_KEY, token);
      // <video> and download links cannot send a header: the server also reads this cookie on GETs.
      document.cookie = `${TOKEN_COOKIE}=${encodeURIComponent(token)}; path=/; SameSite=Strict`;
      asking = null;
      resolve();
    }, { once: true });
    dialog.showModal();
  });
  return asking;
}

// A request refused with the token it carried: ask for another, unless one was entered while it was
// in flight (a file picked the moment the token was accepted went out with the old one) — then
// the caller just sends it again, and no second dialog says a good token was refused.
export async function afterRefusal(sent) {
  if (authHeaders().Authorization === sent.Authorization) await askForToken();
}

export async function api(path, options = {}) {
  for (;;) {
    const sent = authHeaders();
    const response = await fetch(path, { ...options, headers: { ...sent, ...(options.headers || {}) } });
    if (response.status === 401) { await afterRefusal(sent); continue; }
    if (!response.ok) {
      let message = `${response.status} ${response.statusText}`;
      try { message = (await response.json()).error || message; } catch (_) { /* not JSON */ }
      const error = new Error(message);
      error.status = response.status;
      error.retryAfter = Number(response.headers.get("Retry-After")) || null;  // 429: the model queue is full
      throw error;
    }
    return response;
  }
}

export const json = async (path, options) => (await api(path, options)).json();

// Server-Sent Events over fetch (EventSource cannot send the Authorization header).
export async function* events(response) {
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
