// Vivify studio: plain JavaScript against this server's API (same origin; the HttpOnly cookie set by ?token= carries
// the token). Nothing is fetched from elsewhere.
"use strict";

const $ = (id) => document.getElementById(id);

async function api(path, options) {
  const response = await fetch(path, Object.assign({ credentials: "same-origin" }, options));
  const type = response.headers.get("content-type") || "";
  const body = type.includes("application/json") ? await response.json() : null;
  if (!response.ok) {
    const retry = response.headers.get("retry-after");
    const message = (body && body.error) || `${response.status} ${response.statusText}`;
    throw new Error(retry ? `${message} (retry in ${retry} s)` : message);
  }
  return body;
}

function showError(element, error) {
  element.textContent = error ? String(error.message || error) : "";
  element.hidden = !error;
}

// Tabs
const tabs = Array.from(document.querySelectorAll('[role="tab"]'));
function selectTab(tab) {
  for (const t of tabs) {
    const selected = t === tab;
    t.setAttribute("aria-selected", String(selected));
    $(t.getAttribute("aria-controls")).hidden = !selected;
  }
  history.replaceState(null, "", "#" + tab.id.replace("tab-", ""));
}
for (const t of tabs) t.addEventListener("click", () => selectTab(t));
const initial = tabs.find((t) => "#" + t.id.replace("tab-", "") === location.hash);
if (initial) selectTab(initial);

// Animate
function preview(input, element) {
  input.addEventListener("change", () => {
    const file = input.files[0];
    if (element.src) URL.revokeObjectURL(element.src);
    element.hidden = !file;
    if (file) element.src = URL.createObjectURL(file);
    if (file && element.play) element.play().catch(() => {});
  });
}
preview($("animate-source"), $("animate-source-preview"));
preview($("animate-driving"), $("animate-driving-preview"));

async function loadModels() {
  const select = $("animate-model");
  try {
    const models = await api("/api/models");
    select.replaceChildren(...models.map((m) => new Option(m.name, m.name)));
    if (models.length === 0) {
      select.append(new Option("no models on this server", ""));
      showError($("animate-error"), "No models: start vivify serve with --models DIR (NAME.pth.tar with NAME.yaml).");
    }
  } catch (e) {
    showError($("animate-error"), e);
  }
}
loadModels();

let currentJob = null;
let events = null;

function showJob(view) {
  const progress = $("animate-progress");
  progress.hidden = view.state !== "running" && view.state !== "queued";
  progress.value = view.progress || 0;
  let text = view.state;
  if (view.state === "queued" && view.position) text += ` (${view.position} ahead)`;
  if (view.state === "running") text += ` ${Math.round((view.progress || 0) * 100)}%`;
  $("animate-state").textContent = text;
  $("animate-state").dataset.state = view.state;
  showPreview(view);
  const finished = ["done", "failed", "cancelled"].includes(view.state);
  $("animate-cancel").hidden = finished;
  $("animate-start").disabled = !finished;
  if (view.state === "failed") showError($("animate-error"), view.error || "the job failed");
  if (view.state === "done") {
    const url = `/api/jobs/${view.id}/result`;
    $("animate-video").src = url;
    $("animate-download").href = url;
    $("animate-result").hidden = false;
  }
  if (finished && events) { events.close(); events = null; }
}

// While a job runs, its latest finished frame (GET /api/jobs/ID/preview, 204 before the first), once a second.
let previewTimer = null;
function showPreview(view) {
  const img = $("animate-preview");
  if (view.state === "queued") img.hidden = true;
  if (view.state === "running" && !previewTimer) {
    const load = () => fetch(`/api/jobs/${view.id}/preview`, { credentials: "same-origin" }).then(async (r) => {
      if (r.status !== 200) return;
      if (img.src) URL.revokeObjectURL(img.src);
      img.src = URL.createObjectURL(await r.blob());
      img.hidden = false;
    }).catch(() => {});
    load();
    previewTimer = setInterval(load, 1000);
  }
  if (view.state !== "running" && previewTimer) {
    clearInterval(previewTimer);
    previewTimer = null;
  }
}

function follow(id) {
  if (events) events.close();
  events = new EventSource(`/api/jobs/${id}/events`);
  events.onmessage = (e) => showJob(JSON.parse(e.data));
  events.onerror = async () => {
    // The stream ends when the job finishes; ask once more so the last state is shown.
    if (events) { events.close(); events = null; }
    try { showJob(await api(`/api/jobs/${id}`)); } catch (err) { showError($("animate-error"), err); }
  };
}

$("animate-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  showError($("animate-error"), null);
  $("animate-result").hidden = true;
  $("animate-start").disabled = true;
  $("animate-state").textContent = "uploading";
  try {
    const { id } = await api("/api/animate", { method: "POST", body: new FormData($("animate-form")) });
    currentJob = id;
    showJob({ id, state: "queued", progress: 0 });
    follow(id);
  } catch (err) {
    $("animate-state").textContent = "";
    $("animate-start").disabled = false;
    showError($("animate-error"), err);
  }
});

$("animate-cancel").addEventListener("click", async () => {
  if (!currentJob) return;
  try { showJob(await api(`/api/jobs/${currentJob}`, { method: "DELETE" })); } catch (err) { showError($("animate-error"), err); }
});

// Faces
$("faces-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  showError($("faces-error"), null);
  const file = $("faces-image").files[0];
  if (!file) return;
  $("faces-start").disabled = true;
  $("faces-summary").textContent = "looking for faces…";
  try {
    const [result, bitmap] = await Promise.all([
      api("/api/faces", { method: "POST", body: new FormData($("faces-form")) }),
      createImageBitmap(file),
    ]);
    drawFaces($("faces-canvas"), bitmap, result);
    const n = result.faces.length;
    $("faces-summary").textContent = `${n} face${n === 1 ? "" : "s"} found`;
    $("faces-summary").dataset.faces = String(n);
  } catch (err) {
    $("faces-summary").textContent = "";
    showError($("faces-error"), err);
  } finally {
    $("faces-start").disabled = false;
  }
});

function drawFaces(canvas, bitmap, result) {
  canvas.width = result.width;
  canvas.height = result.height;
  const g = canvas.getContext("2d");
  g.drawImage(bitmap, 0, 0, result.width, result.height);
  const unit = Math.max(1, Math.round(Math.max(result.width, result.height) / 400));
  for (const face of result.faces) {
    const b = face.box;
    g.lineWidth = 2 * unit;
    g.strokeStyle = "#37b24d";
    g.strokeRect(b.x, b.y, b.width, b.height);
    g.fillStyle = "#37b24d";
    g.font = `${12 * unit}px system-ui, sans-serif`;
    g.fillText(face.score.toFixed(2), b.x, Math.max(12 * unit, b.y - 4 * unit));
    g.fillStyle = "#f03e3e";
    for (const [x, y] of face.landmarks) {
      g.beginPath();
      g.arc(x, y, 1.5 * unit, 0, 2 * Math.PI);
      g.fill();
    }
  }
}
