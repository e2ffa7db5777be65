// videochat-text web app: plain JavaScript modules, no build step. This file wires the parts
// together: the library (list, upload, search), the viewer (one video) and the chat.
// Every text that comes from a video or a user goes into the page as text (textContent,
// attributes), never as HTML; the page's Content-Security-Policy allows no inline script.
import { setupChat } from "./chat.js";
import { firstVideo, loadVideos, setupLibrary } from "./library.js";
import { $ } from "./util.js";
import { openVideo, setupViewer, viewer } from "./viewer.js";

// The address keeps what is open (#v=<id>, #chat=all), so a reload comes back to it.
function readAddress() {
  const params = new URLSearchParams(location.hash.slice(1));
  return { video: params.get("v"), scope: params.get("chat") === "all" ? "all" : "video" };
}

function writeAddress(scope) {
  const params = new URLSearchParams();
  if (viewer.id) params.set("v", viewer.id);
  if (scope === "all") params.set("chat", "all");
  const hash = params.toString();
  history.replaceState(null, "", hash ? `#${hash}` : location.pathname);
}

// /docs needs Swagger UI's files from the server (never a CDN); without them there is no link.
async function showDocsLink() {
  try {
    $("docs-link").hidden = !(await fetch("/docs")).ok;
  } catch (_) {
    $("docs-link").hidden = true;
  }
}

function setup() {
  const address = readAddress();
  let scope = address.scope;
  setupViewer();
  setupLibrary();
  setupChat(scope);
  document.addEventListener("video-opened", () => writeAddress(scope));
  document.addEventListener("scope-changed", (e) => { scope = e.detail.scope; writeAddress(scope); });
  showDocsLink();
  loadVideos().then(() => {
    const first = address.video ? { id: address.video } : firstVideo();
    if (first) openVideo(first.id);
  });
}

setup();
