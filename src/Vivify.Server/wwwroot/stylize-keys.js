// Vivify studio, Stylize tab: the keyframes being painted and their list. Each keeps the frame as uploaded (what the
// eraser brings back), its painting and mask (as pixels while another one is on the canvas), its undo steps, and what
// the server has of it; the list shows a thumbnail of each, selects one to repaint and removes one. Used by stylize.js.
"use strict";

const stylizePixels = (c) => c.getContext("2d").getImageData(0, 0, c.width, c.height);

class StylizeKeyframes {
  // paint and mask: the canvases; list: the <ul>; onSelect(frame), onRemove(frame): the page's part of those.
  constructor(paint, mask, list, onSelect, onRemove) {
    Object.assign(this, { paint, mask, list, onSelect, onRemove });
    this.keys = new Map(); // frame -> { frame, original, paint, mask, maskUsed, undo, painted, version, sent, thumb }
    this.current = null;   // the frame on the canvas
  }

  get size() { return this.keys.size; }
  get(n) { return this.keys.get(n); }
  cur() { return this.keys.get(this.current); }
  all() { return [...this.keys.values()].sort((a, b) => a.frame - b.frame); }

  clear() {
    this.keys.clear();
    this.current = null;
    this.list.replaceChildren();
  }

  // Frame n as a new keyframe from its decoded picture (an untouched one on the canvas is dropped: picking another
  // frame before painting moves the one keyframe), put on the canvas.
  add(n, image) {
    const original = document.createElement("canvas");
    original.width = image.naturalWidth; original.height = image.naturalHeight;
    original.getContext("2d").drawImage(image, 0, 0);
    const untouched = this.cur();
    if (untouched && !untouched.painted && untouched.sent === undefined) { this.keys.delete(this.current); this.current = null; }
    this.keys.set(n, { frame: n, original, paint: stylizePixels(original), mask: new ImageData(original.width, original.height),
      maskUsed: false, undo: [], painted: false, version: 0, sent: undefined });
    this.select(n);
  }

  // Keyframe n on the canvas (the one there kept as pixels).
  select(n) {
    const old = this.cur();
    if (old) { old.paint = stylizePixels(this.paint); old.mask = stylizePixels(this.mask); }
    const k = this.keys.get(n);
    for (const c of [this.paint, this.mask]) { c.width = k.original.width; c.height = k.original.height; }
    this.paint.getContext("2d").putImageData(k.paint, 0, 0);
    this.mask.getContext("2d").putImageData(k.mask, 0, 0);
    this.current = n;
    this.paint.dataset.frame = String(n);
    this.show();
    this.onSelect(n);
  }

  // Forgets keyframe n; when it was on the canvas, the last one left goes there (or none).
  delete(n) {
    this.keys.delete(n);
    if (this.current === n) {
      this.current = null;
      const next = [...this.keys.keys()].pop();
      if (next !== undefined) { this.select(next); return; }
      for (const c of [this.paint, this.mask]) { c.width = 0; c.height = 0; }
      delete this.paint.dataset.frame;
      this.onSelect(null);
    }
    this.show();
  }

  snapshot() {
    const k = this.cur();
    k.undo.push([stylizePixels(this.paint), stylizePixels(this.mask), k.maskUsed]);
    if (k.undo.length > 30) k.undo.shift();
  }

  // The last undo step back on the canvas; false when there is none.
  undo() {
    const k = this.cur();
    const last = k && k.undo.pop();
    if (!last) return false;
    this.paint.getContext("2d").putImageData(last[0], 0, 0);
    this.mask.getContext("2d").putImageData(last[1], 0, 0);
    k.maskUsed = last[2];
    return true;
  }

  changed() {
    const k = this.cur();
    k.painted = true; k.version++;
    this.show();
  }

  // Keyframe f's painting and mask (white = painted, on black; null when no mask was painted) as canvases.
  canvases(f) {
    const k = this.keys.get(f);
    const canvasOf = (data) => {
      const c = document.createElement("canvas");
      c.width = data.width; c.height = data.height;
      c.getContext("2d").putImageData(data, 0, 0);
      return c;
    };
    const painted = f === this.current ? this.paint : canvasOf(k.paint);
    if (!k.maskUsed) return [painted, null];
    const m = canvasOf(f === this.current ? stylizePixels(this.mask) : k.mask);
    const g = m.getContext("2d");
    g.globalCompositeOperation = "destination-over"; g.fillStyle = "#000"; g.fillRect(0, 0, m.width, m.height);
    return [painted, m];
  }

  show() {
    this.list.replaceChildren(...this.all().map((k) => {
      const item = document.createElement("li");
      item.dataset.frame = String(k.frame);
      item.dataset.state = !k.painted ? "unpainted" : k.sent === k.version ? "sent" : "painted";
      if (k.frame === this.current) item.setAttribute("aria-current", "true");
      const thumb = document.createElement("canvas");
      thumb.width = 64; thumb.height = Math.round(64 * k.original.height / k.original.width);
      thumb.getContext("2d").drawImage(k.frame === this.current ? this.paint : k.thumb || k.original, 0, 0, thumb.width, thumb.height);
      k.thumb = thumb;
      const pick = document.createElement("button");
      pick.type = "button"; pick.className = "stylize-key-select";
      pick.textContent = `frame ${k.frame}${k.painted ? "" : " (not painted)"}`;
      pick.addEventListener("click", () => this.select(k.frame));
      const remove = document.createElement("button");
      remove.type = "button"; remove.className = "stylize-key-remove"; remove.textContent = "Remove";
      remove.addEventListener("click", () => this.onRemove(k.frame));
      item.append(thumb, pick, remove);
      return item;
    }));
  }
}
