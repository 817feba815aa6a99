// Vivify studio, Stylize tab: upload a video, scrub its frames, paint one or a few keyframes on a canvas (each with its
// own painting, mask and undo; the list selects one to repaint or removes it), train on all painted ones with live
// previews (repainting or removing one while it trains continues training on the new set), stop, render, download.
// Uses $, api and showError from studio.js.
"use strict";

(() => {
  const st = {
    id: null,            // the project
    events: null,        // its EventSource
    view: null,          // its last view
    key: null,           // the keyframe on the canvas
    keys: new Map(),     // frame -> { original (the frame as uploaded: what the eraser brings back), paint and mask
                         // (ImageData while another is on the canvas), maskUsed, undo, painted, version, sent (the
                         // version the server has), thumb }
    sending: null,       // the keyframe uploads in flight
    pending: new Set(),  // keyframes to upload next
    renderJob: null,
    renderEvents: null,
  };
  const paint = $("stylize-canvas");
  const mask = $("stylize-mask");
  const error = (e) => showError($("stylize-error"), e);
  const training = () => st.view && st.view.training && ["queued", "running"].includes(st.view.training.state);

  // Upload
  $("stylize-upload-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    error(null);
    $("stylize-upload").disabled = true;
    $("stylize-summary").textContent = "uploading and reading the frames…";
    try {
      if (st.id) { const old = st.id; close(); api(`/api/stylize/${old}`, { method: "DELETE" }).catch(() => {}); }
      const view = await api("/api/stylize", { method: "POST", body: new FormData($("stylize-upload-form")) });
      open(view);
    } catch (err) {
      $("stylize-summary").textContent = "";
      error(err);
    } finally {
      $("stylize-upload").disabled = false;
    }
  });

  function close() {
    if (st.events) { st.events.close(); st.events = null; }
    if (st.renderEvents) { st.renderEvents.close(); st.renderEvents = null; }
    st.id = null; st.view = null; st.key = null; st.renderJob = null;
    st.keys.clear(); st.pending.clear();
    $("stylize-keys").replaceChildren();
    $("stylize-work").hidden = true;
    $("stylize-result").hidden = true;
    $("stylize-preview-box").replaceChildren();
  }

  function open(view) {
    st.id = view.id;
    $("stylize-summary").textContent = `${view.frames} frames at ${view.width}×${view.height}`;
    $("stylize-summary").dataset.frames = String(view.frames);
    $("stylize-slider").max = String(view.frames - 1);
    $("stylize-slider").value = "0";
    $("stylize-previews").value = view.previewFrames.join(", ");
    $("stylize-work").hidden = false;
    showFrame(0);
    pick(0).catch(error);
    st.events = new EventSource(`/api/stylize/${view.id}/events`);
    st.events.onmessage = (m) => show(JSON.parse(m.data));
    show(view);
  }

  // Scrubbing
  function showFrame(n) {
    $("stylize-frame").src = `/api/stylize/${st.id}/frames/${n}`;
    $("stylize-frame-label").textContent = `frame ${n}`;
  }
  $("stylize-slider").addEventListener("input", () => showFrame(Number($("stylize-slider").value)));
  $("stylize-pick").addEventListener("click", () => pick(Number($("stylize-slider").value)).catch(error));

  // The keyframe canvas: the frame, painted over; the mask canvas above it (white = painted, shown translucent).
  // "Paint this frame" makes the frame a keyframe (an untouched one picked before is dropped) or selects it.
  const cur = () => st.keys.get(st.key);
  const pixels = (c) => c.getContext("2d").getImageData(0, 0, c.width, c.height);
  async function pick(n) {
    if (st.keys.has(n)) { select(n); return; }
    const image = new Image();
    image.src = `/api/stylize/${st.id}/frames/${n}`;
    await image.decode();
    const original = document.createElement("canvas");
    original.width = image.naturalWidth; original.height = image.naturalHeight;
    original.getContext("2d").drawImage(image, 0, 0);
    const untouched = cur();
    if (untouched && !untouched.painted && untouched.sent === undefined) { st.keys.delete(st.key); st.key = null; }
    const blank = new ImageData(original.width, original.height);
    st.keys.set(n, { frame: n, original, paint: pixels(original), mask: blank, maskUsed: false, undo: [], painted: false, version: 0, sent: undefined });
    select(n);
  }

  function select(n) {
    const old = cur();
    if (old) { old.paint = pixels(paint); old.mask = pixels(mask); }
    const k = st.keys.get(n);
    for (const c of [paint, mask]) { c.width = k.original.width; c.height = k.original.height; }
    paint.getContext("2d").putImageData(k.paint, 0, 0);
    mask.getContext("2d").putImageData(k.mask, 0, 0);
    st.key = n;
    $("stylize-key-label").textContent = `(frame ${n})`;
    paint.dataset.frame = String(n);
    showKeys();
    updateButtons();
  }

  // The keyframes list: a thumbnail of each painting; selecting one puts it on the canvas; Remove drops it (and from the
  // training under way).
  function showKeys() {
    const list = $("stylize-keys");
    list.replaceChildren(...[...st.keys.values()].sort((a, b) => a.frame - b.frame).map((k) => {
      const item = document.createElement("li");
      item.dataset.frame = String(k.frame);
      item.dataset.state = !k.painted ? "unpainted" : k.sent === k.version ? "sent" : "painted";
      if (k.frame === st.key) item.setAttribute("aria-current", "true");
      const thumb = document.createElement("canvas");
      thumb.width = 64; thumb.height = Math.round(64 * k.original.height / k.original.width);
      thumb.getContext("2d").drawImage(k.frame === st.key ? paint : k.thumb || k.original, 0, 0, thumb.width, thumb.height);
      k.thumb = thumb;
      const pick = document.createElement("button");
      pick.type = "button"; pick.className = "stylize-key-select";
      pick.textContent = `frame ${k.frame}${k.painted ? "" : " (not painted)"}`;
      pick.addEventListener("click", () => select(k.frame));
      const remove = document.createElement("button");
      remove.type = "button"; remove.className = "stylize-key-remove"; remove.textContent = "Remove";
      remove.addEventListener("click", () => removeKey(k.frame).catch(error));
      item.append(thumb, pick, remove);
      return item;
    }));
  }

  async function removeKey(n) {
    error(null);
    if (st.keys.get(n).sent !== undefined) show(await api(`/api/stylize/${st.id}/keyframes/${n}`, { method: "DELETE" }));
    st.keys.delete(n);
    st.pending.delete(n);
    if (st.key === n) {
      st.key = null;
      const next = [...st.keys.keys()].pop();
      if (next !== undefined) select(next);
      else { for (const c of [paint, mask]) { c.width = 0; c.height = 0; } $("stylize-key-label").textContent = ""; delete paint.dataset.frame; }
    }
    showKeys();
    updateButtons();
  }

  function snapshot() {
    const k = cur();
    k.undo.push([pixels(paint), pixels(mask), k.maskUsed]);
    if (k.undo.length > 30) k.undo.shift();
  }

  $("stylize-undo").addEventListener("click", () => {
    const k = cur();
    const last = k && k.undo.pop();
    if (!last) return;
    paint.getContext("2d").putImageData(last[0], 0, 0);
    mask.getContext("2d").putImageData(last[1], 0, 0);
    k.maskUsed = last[2];
    changed();
  });

  $("stylize-painted-file").addEventListener("change", async () => {
    const file = $("stylize-painted-file").files[0];
    if (!file || st.key === null) return;
    const bitmap = await createImageBitmap(file);
    snapshot();
    paint.getContext("2d").drawImage(bitmap, 0, 0, paint.width, paint.height); // the server wants the frame's size
    changed();
  });

  let stroke = null;
  function point(e) {
    const r = paint.getBoundingClientRect();
    return [(e.clientX - r.left) * paint.width / r.width, (e.clientY - r.top) * paint.height / r.height];
  }
  paint.addEventListener("pointerdown", (e) => {
    if (st.key === null) return;
    e.preventDefault();
    paint.setPointerCapture(e.pointerId);
    snapshot();
    const tool = $("stylize-tool").value;
    const target = tool === "mask" || tool === "unmask" ? mask : paint;
    const g = target.getContext("2d");
    g.lineCap = "round"; g.lineJoin = "round";
    g.lineWidth = Number($("stylize-size").value) * paint.width / paint.getBoundingClientRect().width;
    g.globalCompositeOperation = tool === "unmask" ? "destination-out" : "source-over";
    g.strokeStyle = tool === "brush" ? $("stylize-color").value : "#ffffff";
    if (target === mask) cur().maskUsed = true;
    stroke = { g, erase: tool === "eraser", last: point(e) };
    draw(stroke.last);
  });
  function draw(p) {
    const g = stroke.g, [x0, y0] = stroke.last, [x1, y1] = p;
    if (stroke.erase) {
      // The frame's own pixels copied back (1:1, so exactly) inside the stroke's outline: two discs and the band between.
      const r = g.lineWidth / 2, d = Math.hypot(x1 - x0, y1 - y0) || 1, nx = -(y1 - y0) / d * r, ny = (x1 - x0) / d * r;
      const shapes = [
        (q) => q.arc(x0, y0, r, 0, 2 * Math.PI),
        (q) => q.arc(x1, y1, r, 0, 2 * Math.PI),
        (q) => { q.moveTo(x0 + nx, y0 + ny); q.lineTo(x1 + nx, y1 + ny); q.lineTo(x1 - nx, y1 - ny); q.lineTo(x0 - nx, y0 - ny); q.closePath(); },
      ];
      for (const shape of shapes) { // each clipped on its own: a union of clips, whatever their windings
        g.save(); g.beginPath(); shape(g); g.clip(); g.drawImage(cur().original, 0, 0); g.restore();
      }
    } else {
      g.beginPath(); g.moveTo(x0, y0); g.lineTo(x1, y1); g.stroke();
    }
    stroke.last = p;
  }
  paint.addEventListener("pointermove", (e) => { if (stroke) draw(point(e)); });
  const end = () => { if (!stroke) return; stroke = null; changed(); };
  paint.addEventListener("pointerup", end);
  paint.addEventListener("pointercancel", end);

  // A change while training is sent at once: training continues on it.
  function changed() {
    const k = cur();
    k.painted = true; k.version++;
    showKeys();
    if (training()) sendKeys([st.key]).catch(error);
  }

  const blob = (canvas) => new Promise((done) => canvas.toBlob(done, "image/png"));
  function canvasOf(data) {
    const c = document.createElement("canvas");
    c.width = data.width; c.height = data.height;
    c.getContext("2d").putImageData(data, 0, 0);
    return c;
  }
  // Uploads the keyframes' paintings one at a time (POST keyframes: each added or replacing that frame's), the latest
  // version of each; a change made meanwhile is sent after.
  async function sendKeys(frames) {
    for (const f of frames) st.pending.add(f);
    if (st.sending) return st.sending;
    st.sending = (async () => {
      while (st.pending.size) {
        const f = st.pending.values().next().value;
        st.pending.delete(f);
        const k = st.keys.get(f);
        if (!k) continue;
        const version = k.version;
        const form = new FormData();
        form.append("frame", String(f));
        form.append("painted", await blob(f === st.key ? paint : canvasOf(k.paint)), "painted.png");
        if (k.maskUsed) {
          const m = canvasOf(f === st.key ? pixels(mask) : k.mask);
          const g = m.getContext("2d");
          g.globalCompositeOperation = "destination-over"; g.fillStyle = "#000"; g.fillRect(0, 0, m.width, m.height);
          form.append("mask", await blob(m), "mask.png");
        }
        const view = await api(`/api/stylize/${st.id}/keyframes`, { method: "POST", body: form });
        if (st.keys.get(f) === k) k.sent = version;
        show(view);
        showKeys();
      }
    })();
    try { await st.sending; } finally { st.sending = null; }
  }

  // Training, previews, rendering
  $("stylize-train").addEventListener("click", async () => {
    error(null);
    $("stylize-train").disabled = true;
    try {
      // The painted keyframes the server lacks (none painted: the one on the canvas, as it is).
      const painted = [...st.keys.values()].filter((k) => k.painted);
      await sendKeys((painted.length ? painted : [cur()]).filter((k) => k && k.sent !== k.version).map((k) => k.frame));
      const form = new FormData();
      form.append("previews", $("stylize-previews").value);
      form.append("minutes", $("stylize-minutes").value);
      await api(`/api/stylize/${st.id}/train`, { method: "POST", body: form });
    } catch (err) {
      error(err);
    } finally {
      updateButtons();
    }
  });

  $("stylize-stop").addEventListener("click", async () => {
    try { show(await api(`/api/stylize/${st.id}/stop`, { method: "POST" })); } catch (err) { error(err); }
  });

  $("stylize-render").addEventListener("click", async () => {
    error(null);
    $("stylize-result").hidden = true;
    try {
      const { id } = await api(`/api/stylize/${st.id}/render`, { method: "POST" });
      st.renderJob = id;
      if (st.renderEvents) st.renderEvents.close();
      st.renderEvents = new EventSource(`/api/jobs/${id}/events`);
      st.renderEvents.onmessage = (m) => showRender(JSON.parse(m.data));
      st.renderEvents.onerror = async () => {
        if (st.renderEvents) { st.renderEvents.close(); st.renderEvents = null; }
        try { showRender(await api(`/api/jobs/${id}`)); } catch (err) { error(err); }
      };
    } catch (err) {
      error(err);
    }
  });

  function showRender(job) {
    if (job.id !== st.renderJob) return;
    const bar = $("stylize-render-progress");
    bar.hidden = !["queued", "running"].includes(job.state);
    bar.value = job.progress || 0;
    $("stylize-render").dataset.state = job.state;
    if (job.state === "failed") error(job.error || "rendering failed");
    if (job.state === "done") {
      const url = `/api/jobs/${job.id}/result`;
      $("stylize-result-video").src = url;
      $("stylize-download").href = url;
      $("stylize-result").hidden = false;
    }
    if (["done", "failed", "cancelled"].includes(job.state) && st.renderEvents) { st.renderEvents.close(); st.renderEvents = null; }
    updateButtons();
  }

  function show(view) {
    if (!view || view.id !== st.id) return;
    st.view = view;
    const t = view.training;
    let text = t ? `training ${t.state}` : "paint one or a few keyframes, then Train";
    if (t && t.state === "queued" && t.position) text += ` (${t.position} ahead)`;
    if (t) text += ` · step ${view.steps}`;
    if (view.rendering && ["queued", "running"].includes(view.rendering.state)) text += ` · rendering ${Math.round(view.rendering.progress * 100)}%`;
    $("stylize-state").textContent = text;
    $("stylize-state").dataset.state = t ? t.state : "";
    $("stylize-state").dataset.steps = String(view.steps);
    if (t && t.state === "failed") error(t.error || "training failed");
    $("stylize-model").hidden = !view.model;
    if (view.model) $("stylize-model").href = `/api/stylize/${view.id}/model?steps=${view.steps}`;
    showPreviews(view);
    updateButtons();
  }

  function showPreviews(view) {
    const box = $("stylize-preview-box");
    for (const p of view.previews) {
      let figure = document.getElementById(`stylize-preview-${p.frame}`);
      if (!figure) {
        figure = document.createElement("figure");
        figure.id = `stylize-preview-${p.frame}`;
        figure.append(document.createElement("img"), document.createElement("figcaption"));
        box.append(figure);
      }
      const img = figure.querySelector("img");
      if (img.dataset.version === String(p.version)) continue;
      img.dataset.version = String(p.version);
      img.alt = `frame ${p.frame} stylized`;
      img.onload = () => {
        img.dataset.step = String(p.step);
        img.dataset.revision = String(p.revision);
        img.dataset.shown = String(p.version);
        figure.querySelector("figcaption").textContent = `frame ${p.frame} · step ${p.step} · painting ${p.revision}`;
      };
      img.src = `/api/stylize/${view.id}/previews/${p.frame}?v=${p.version}`;
    }
  }

  function updateButtons() {
    const v = st.view;
    const busyRender = v && v.rendering && ["queued", "running"].includes(v.rendering.state);
    $("stylize-train").disabled = !v || st.keys.size === 0 || training() || busyRender;
    $("stylize-stop").disabled = !training();
    $("stylize-render").disabled = !v || !v.training || busyRender || (v.steps === 0 && !training());
  }
})();
