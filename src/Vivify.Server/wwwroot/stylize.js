// Vivify studio, Stylize tab: upload a video, scrub its frames, paint one or a few keyframes on a canvas (each with its
// own painting, mask and undo; the list selects one to repaint or removes it), train on all painted ones with live
// previews (repainting or removing one while it trains continues training on the new set), stop, render, download.
// Uses $, api and showError from studio.js and StylizeKeyframes from stylize-keys.js.
"use strict";

(() => {
  const st = {
    id: null,            // the project
    events: null,        // its EventSource
    view: null,          // its last view
    sending: null,       // the keyframe uploads in flight
    pending: new Set(),  // keyframes to upload next
    renderJob: null,
    renderEvents: null,
  };
  const paint = $("stylize-canvas");
  const mask = $("stylize-mask");
  const error = (e) => showError($("stylize-error"), e);
  const keys = new StylizeKeyframes(paint, mask, $("stylize-keys"), (n) => {
    $("stylize-key-label").textContent = n === null ? "" : `(frame ${n})`;
    updateButtons();
  }, (n) => removeKey(n).catch(error));
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
    st.id = null; st.view = null; st.renderJob = null;
    keys.clear(); st.pending.clear();
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
  // "Paint this frame" makes the frame a keyframe or selects it; the list selects one or removes it (from the
  // server too when it has it: a training under way goes on with the others).
  async function pick(n) {
    if (keys.get(n)) { keys.select(n); return; }
    const image = new Image();
    image.src = `/api/stylize/${st.id}/frames/${n}`;
    await image.decode();
    keys.add(n, image);
  }

  async function removeKey(n) {
    error(null);
    if (keys.get(n).sent !== undefined) show(await api(`/api/stylize/${st.id}/keyframes/${n}`, { method: "DELETE" }));
    st.pending.delete(n);
    keys.delete(n);
    updateButtons();
  }

  $("stylize-undo").addEventListener("click", () => { if (keys.undo()) changed(); });

  $("stylize-painted-file").addEventListener("change", async () => {
    const file = $("stylize-painted-file").files[0];
    if (!file || keys.current === null) return;
    const bitmap = await createImageBitmap(file);
    keys.snapshot();
    paint.getContext("2d").drawImage(bitmap, 0, 0, paint.width, paint.height); // the server wants the frame's size
    changed();
  });

  let stroke = null;
  function point(e) {
    const r = paint.getBoundingClientRect();
    return [(e.clientX - r.left) * paint.width / r.width, (e.clientY - r.top) * paint.height / r.height];
  }
  paint.addEventListener("pointerdown", (e) => {
    if (keys.current === null) return;
    e.preventDefault();
    paint.setPointerCapture(e.pointerId);
    keys.snapshot();
    const tool = $("stylize-tool").value;
    const target = tool === "mask" || tool === "unmask" ? mask : paint;
    const g = target.getContext("2d");
    g.lineCap = "round"; g.lineJoin = "round";
    g.lineWidth = Number($("stylize-size").value) * paint.width / paint.getBoundingClientRect().width;
    g.globalCompositeOperation = tool === "unmask" ? "destination-out" : "source-over";
    g.strokeStyle = tool === "brush" ? $("stylize-color").value : "#ffffff";
    if (target === mask) keys.cur().maskUsed = true;
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
        g.save(); g.beginPath(); shape(g); g.clip(); g.drawImage(keys.cur().original, 0, 0); g.restore();
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
    keys.changed();
    if (training()) sendKeys([keys.current]).catch(error);
  }

  const blob = (canvas) => new Promise((done) => canvas.toBlob(done, "image/png"));
  // Uploads the keyframes' paintings one at a time (POST keyframes: each added or replacing that frame's), the latest
  // version of each; a change made meanwhile is sent after.
  async function sendKeys(frames) {
    for (const f of frames) st.pending.add(f);
    if (st.sending) return st.sending;
    st.sending = (async () => {
      while (st.pending.size) {
        const f = st.pending.values().next().value;
        st.pending.delete(f);
        const k = keys.get(f);
        if (!k) continue;
        const version = k.version;
        const [painted, m] = keys.canvases(f);
        const form = new FormData();
        form.append("frame", String(f));
        form.append("painted", await blob(painted), "painted.png");
        if (m) form.append("mask", await blob(m), "mask.png");
        const view = await api(`/api/stylize/${st.id}/keyframes`, { method: "POST", body: form });
        if (keys.get(f) === k) k.sent = version;
        show(view);
        keys.show();
      }
    })();
    try { await st.sending; } finally { st.sending = null; }
    if (st.pending.size) await sendKeys([]); // one added as the loop ended
  }

  // Training, previews, rendering
  $("stylize-train").addEventListener("click", async () => {
    error(null);
    $("stylize-train").disabled = true;
    try {
      // The painted keyframes the server lacks (none painted: the one on the canvas, as it is).
      const painted = keys.all().filter((k) => k.painted);
      await sendKeys((painted.length ? painted : [keys.cur()]).filter((k) => k && k.sent !== k.version).map((k) => k.frame));
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
    $("stylize-train").disabled = !v || keys.size === 0 || training() || busyRender;
    $("stylize-stop").disabled = !training();
    $("stylize-render").disabled = !v || !v.training || busyRender || (v.steps === 0 && !training());
  }
})();
