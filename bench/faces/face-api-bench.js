// The Node side of Vivify's face speed comparison: face-api 1.7.15 (bundled tfjs, CPU backend) runs
// detectAllFaces(frame, detector).withFaceLandmarks() on one raw RGB frame, warm-up then ITERATIONS timed runs.
// usage: node face-api-bench.js PACKAGE_DIR MODEL_DIR FRAME.rgb WIDTH HEIGHT ITERATIONS
// prints JSON: { "ssd": ms per frame, "tiny": ms per frame, "faces": { "ssd": n, "tiny": n } }
'use strict';
const fs = require('fs');
const path = require('path');
const { loadFaceApi, loadNet } = require(path.join(__dirname, '..', '..', 'tests', 'Vivify.Faces.Tests', 'reference', 'face-api-loader'));

async function main() {
  const [pkgDir, modelDir, framePath, width, height, iterations] = process.argv.slice(2);
  if (!iterations) { console.error('usage: node face-api-bench.js PACKAGE_DIR MODEL_DIR FRAME.rgb WIDTH HEIGHT ITERATIONS'); process.exit(2); }
  const faceapi = await loadFaceApi(pkgDir);
  const { tf } = faceapi;
  loadNet(faceapi, faceapi.nets.ssdMobilenetv1, modelDir, 'ssd_mobilenetv1_model');
  loadNet(faceapi, faceapi.nets.tinyFaceDetector, modelDir, 'tiny_face_detector_model');
  loadNet(faceapi, faceapi.nets.faceLandmark68Net, modelDir, 'face_landmark_68_model');
  const frame = tf.tensor3d(new Int32Array(fs.readFileSync(framePath)), [Number(height), Number(width), 3], 'int32');
  const detectors = {
    ssd: new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 }),
    tiny: new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.5 }),
  };
  const out = { faces: {} };
  for (const [name, options] of Object.entries(detectors)) {
    out.faces[name] = (await faceapi.detectAllFaces(frame, options).withFaceLandmarks()).length;   // warm-up
    const start = performance.now();
    for (let i = 0; i < Number(iterations); i++) await faceapi.detectAllFaces(frame, options).withFaceLandmarks();
    out[name] = (performance.now() - start) / Number(iterations);
  }
  console.log(JSON.stringify(out));
}

main().catch((e) => { console.error(`face-api-bench: ${e.message}`); process.exit(1); });
