// Loads @vladmandic/face-api 1.7.15's dist/face-api.js (the browser build with TensorFlow.js bundled) under Node with
// the CPU backend, and its networks from TensorFlow.js weight manifests. Shared by Vivify's parity reference
// (face-api-reference.js) and its speed comparison (bench/faces/face-api-bench.js).
'use strict';
const fs = require('fs');
const path = require('path');
const util = require('util');

// Loaded without Node's `process`, the bundle registers no platform (its Node platform lacks util), so a minimal Node
// platform and a canvas-free face-api environment are set here: every input is a tensor.
async function loadFaceApi(pkgDir) {
  const code = fs.readFileSync(path.join(pkgDir, 'dist', 'face-api.js'), 'utf8');
  const faceapi = new Function('require', 'process', `${code}\n;return faceapi;`)(require, { env: {}, versions: {} });
  const { tf } = faceapi;
  tf.setPlatform('node', {
    fetch: (u, o) => fetch(u, o),
    now: () => performance.now(),
    encode: (s) => new util.TextEncoder().encode(s),
    decode: (b, e) => new util.TextDecoder(e).decode(b),
    isTypedArray: (a) => util.types.isTypedArray(a),
  });
  class Unused {}
  faceapi.env.setEnv({
    Canvas: Unused, CanvasRenderingContext2D: Unused, Image: Unused, ImageData: Unused, Video: Unused,
    createCanvasElement: () => new Unused(), createImageElement: () => new Unused(), createVideoElement: () => new Unused(),
    fetch: (u, o) => fetch(u, o), readFile: (f) => fs.promises.readFile(f),
  });
  await tf.setBackend('cpu');
  await tf.ready();
  return faceapi;
}

// Loads one network (e.g. faceapi.nets.faceLandmark68Net) from MODEL_DIR/NAME-weights_manifest.json and its shards.
function loadNet(faceapi, net, modelDir, name) {
  const manifest = JSON.parse(fs.readFileSync(path.join(modelDir, `${name}-weights_manifest.json`), 'utf8'));
  const map = {};
  for (const group of manifest) {
    const all = Buffer.concat(group.paths.map((p) => fs.readFileSync(path.join(modelDir, p))));
    const ab = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
    Object.assign(map, faceapi.tf.io.decodeWeights(ab, group.weights));
  }
  net.loadFromWeightMap(map);
  return net;
}

module.exports = { loadFaceApi, loadNet };
