// Vivify studio, Live tab: the camera's frames over a WebSocket, the animated picture drawn as it comes back.
// Wire format (see Live/LiveSession.cs): raw RGBA at the model's size both ways, a small header first. One frame in
// flight at a time: the next one is read from the camera only when the previous answer came back, so nothing stale
// waits anywhere (the server also keeps only the newest frame if several arrive).
"use strict";
(() => {
  const camera = $("live-camera");
  const output = $("live-output");
  const stats = $("live-stats");
  const error = $("live-error");
  const grab = document.createElement("canvas");
  let stream = null, socket = null, size = null, buffer = null, sequence = 0, inFlight = null;
  let received = [], roundTrips = [], dropped = 0, serverMs = 0;

  async function loadModels() {
    try {
      const models = await api("/api/models");
      $("live-model").replaceChildren(...models.map((m) => new Option(m.name, m.name)));
    } catch (e) { showError(error, e); }
  }
  loadModels();

  // bf16 by default where this server's CPU computes it faster than fp32 (AVX512-BF16, AMX): about twice the frames.
  let precisionChosen = false;
  $("live-precision").addEventListener("change", () => { precisionChosen = true; });
  async function pickPrecision() {
    try {
      const device = await api("/api/device");
      const bf16 = $("live-precision").querySelector("option[value='bf16']");
      bf16.textContent = device.bf16Fast ? "bf16 (fast here)" : "bf16 (computed in fp32 here)";
      if (device.bf16Fast && !precisionChosen) $("live-precision").value = "bf16";
    } catch (e) { showError(error, e); }
  }
  pickPrecision();

  async function startCamera() {
    if (stream) return;
    if (!navigator.mediaDevices) throw new Error("this page cannot use a camera here (it needs http://127.0.0.1 or https)");
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
    camera.srcObject = stream;
    await camera.play();
    while (camera.videoWidth === 0) await new Promise((r) => setTimeout(r, 20));
  }

  function stopCamera() {
    if (stream) for (const t of stream.getTracks()) t.stop();
    stream = null;
    camera.srcObject = null;
  }

  // The camera's centre square, scaled to width x height.
  function square(width, height) {
    grab.width = width;
    grab.height = height;
    const g = grab.getContext("2d", { willReadFrequently: true });
    const w = camera.videoWidth, h = camera.videoHeight, side = Math.min(w, h);
    g.drawImage(camera, (w - side) / 2, (h - side) / 2, side, side, 0, 0, width, height);
    return g;
  }

  $("live-source").addEventListener("change", () => {
    const file = $("live-source").files[0];
    const img = $("live-picture");
    if (img.src) URL.revokeObjectURL(img.src);
    if (file) img.src = URL.createObjectURL(file); else img.removeAttribute("src");
  });

  $("live-snapshot").addEventListener("click", async () => {
    showError(error, null);
    try {
      await startCamera();
      const blob = await new Promise((r) => square(512, 512).canvas.toBlob(r, "image/png"));
      const files = new DataTransfer();
      files.items.add(new File([blob], "snapshot.png", { type: "image/png" }));
      $("live-source").files = files.files;
      $("live-source").dispatchEvent(new Event("change"));
    } catch (e) { showError(error, e); }
  });

  function sendFrame() {
    if (!socket || socket.readyState !== WebSocket.OPEN || inFlight) return;
    const pixels = square(size.width, size.height).getImageData(0, 0, size.width, size.height).data;
    new DataView(buffer.buffer).setUint32(0, sequence, true);
    buffer.set(pixels, 4);
    inFlight = { sequence, sent: performance.now() };
    sequence++;
    socket.send(buffer);
  }

  function percentile(values, p) {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  }

  function showStats() {
    const now = performance.now();
    received = received.filter((t) => now - t < 3000);
    const fps = received.length > 1 ? (received.length - 1) * 1000 / (received[received.length - 1] - received[0]) : 0;
    const p50 = percentile(roundTrips, 0.5), p95 = percentile(roundTrips, 0.95);
    stats.textContent = `${fps.toFixed(1)} frames/s · round trip p50 ${Math.round(p50)} ms, p95 ${Math.round(p95)} ms` +
      ` · server ${Math.round(serverMs)} ms a frame · ${dropped} stale frames dropped`;
    stats.dataset.fps = fps.toFixed(2);
    stats.dataset.p50 = String(Math.round(p50));
    stats.dataset.p95 = String(Math.round(p95));
    stats.dataset.frames = String(sequence);
  }

  function onFrame(data) {
    const view = new DataView(data);
    const number = view.getUint32(0, true);
    dropped = view.getUint32(4, true);
    serverMs = view.getFloat32(8, true);
    const now = performance.now();
    if (inFlight && inFlight.sequence === number) {
      roundTrips.push(now - inFlight.sent);
      if (roundTrips.length > 200) roundTrips.shift();
      inFlight = null;
    }
    received.push(now);
    const pixels = new Uint8ClampedArray(data, 12, size.width * size.height * 4);
    output.getContext("2d").putImageData(new ImageData(pixels, size.width, size.height), 0, 0);
    showStats();
    sendFrame();
  }

  function setRunning(running) {
    $("live-start").disabled = running;
    $("live-stop").disabled = !running;
    $("live-reset").disabled = !running;
  }

  function stop() {
    if (socket) socket.close();
    socket = null;
    inFlight = null;
    stopCamera();
    setRunning(false);
  }

  $("live-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    showError(error, null);
    if (!$("live-source").files[0]) { showError(error, "choose a picture to animate (or take a camera snapshot)"); return; }
    setRunning(true);
    stats.textContent = "starting the camera…";
    try {
      await startCamera();
      stats.textContent = "loading the model…";
      const form = new FormData($("live-form"));
      const { id } = await api("/api/live", { method: "POST", body: form });
      socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/live/${id}`);
      socket.binaryType = "arraybuffer";
      socket.onmessage = (m) => {
        if (typeof m.data !== "string") { onFrame(m.data); return; }
        const message = JSON.parse(m.data);
        if (message.error) { showError(error, message.error); return; }
        if (message.type === "ready") {
          size = { width: message.width, height: message.height };
          output.width = size.width;
          output.height = size.height;
          buffer = new Uint8Array(4 + size.width * size.height * 4);
          received = []; roundTrips = []; sequence = 0; dropped = 0;
          stats.textContent = `${message.model}, ${message.compute}: waiting for the first frame…`;
          sendFrame();
        }
      };
      socket.onclose = () => { if (socket) stop(); };
    } catch (err) {
      stop();
      stats.textContent = "";
      showError(error, err);
    }
  });

  $("live-reset").addEventListener("click", () => {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "reset" }));
  });
  $("live-stop").addEventListener("click", stop);
})();
