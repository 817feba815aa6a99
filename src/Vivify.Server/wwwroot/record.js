// Vivify studio, Animate tab: record the driving video with the camera (MediaRecorder, webm), which then is the
// form's driving file as if it had been chosen (the server validates it by decoding, as any upload).
"use strict";
(() => {
  const button = $("animate-record");
  const input = $("animate-driving");
  const view = $("animate-driving-preview");
  const longest = 30_000; // ms: a recording stops by itself after this
  let recorder = null, timer = null;

  async function start() {
    showError($("animate-error"), null);
    if (!navigator.mediaDevices || !window.MediaRecorder) throw new Error("this browser cannot record the camera here (it needs http://127.0.0.1 or https)");
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
    const type = ["video/webm;codecs=vp8", "video/webm"].find((t) => MediaRecorder.isTypeSupported(t)) || "";
    recorder = new MediaRecorder(stream, type ? { mimeType: type } : {});
    const chunks = [];
    recorder.ondataavailable = (e) => { if (e.data.size > 0) chunks.push(e.data); };
    recorder.onstop = () => {
      for (const t of stream.getTracks()) t.stop();
      view.srcObject = null;
      const files = new DataTransfer();
      files.items.add(new File(chunks, "camera.webm", { type: "video/webm" }));
      input.files = files.files;
      input.dispatchEvent(new Event("change")); // the preview plays the recording
      button.textContent = "Record with the camera";
      button.dataset.recorded = String(chunks.reduce((n, c) => n + c.size, 0));
      recorder = null;
    };
    view.srcObject = stream;
    view.hidden = false;
    view.play().catch(() => {});
    recorder.start(250);
    button.textContent = "Stop recording";
    timer = setTimeout(stop, longest);
  }

  function stop() {
    clearTimeout(timer);
    if (recorder && recorder.state !== "inactive") recorder.stop();
  }

  button.addEventListener("click", async () => {
    if (recorder) { stop(); return; }
    try { await start(); } catch (e) { recorder = null; showError($("animate-error"), e); }
  });
})();
