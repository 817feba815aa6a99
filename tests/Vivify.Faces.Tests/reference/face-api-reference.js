// Vivify's parity reference for the face networks: runs @vladmandic/face-api 1.7.15 (its dist/face-api.js with
// the bundled TensorFlow.js, CPU backend) on raw RGB pictures and writes what the networks return as JSON.
// usage: node face-api-reference.js PACKAGE_DIR MODEL_DIR REQUEST.json OUT.json
// REQUEST.json: { "images": [ { "path": "a.rgb", "width": W, "height": H, "tasks": ["landmarks68", ...] } ] }
// where a.rgb holds H*W*3 bytes (RGB, row-major). Tasks: landmarks68, landmarks68tiny (the picture is the face crop),
// descriptor (the picture is the face crop), ssd, tiny (detections on the whole picture), ssdLandmarks
// (detectAllFaces with the SSD, then withFaceLandmarks: detections and landmarks in the whole picture).
'use strict';
const fs = require('fs');
const path = require('path');
const { loadFaceApi, loadNet: loadNetFrom } = require('./face-api-loader');

const [pkgDir, modelDir, requestPath, outPath] = process.argv.slice(2);
if (!outPath) {
  console.error('usage: node face-api-reference.js PACKAGE_DIR MODEL_DIR REQUEST.json OUT.json');
  process.exit(2);
}

function box(b) { return { x: b.x, y: b.y, width: b.width, height: b.height }; }

async function main() {
  const faceapi = await loadFaceApi(pkgDir);
  const { tf } = faceapi;
  const loadNet = (net, name) => loadNetFrom(faceapi, net, modelDir, name);
  const nets = {
    landmarks68: () => loadNet(faceapi.nets.faceLandmark68Net, 'face_landmark_68_model'),
    landmarks68tiny: () => loadNet(faceapi.nets.faceLandmark68TinyNet, 'face_landmark_68_tiny_model'),
    descriptor: () => loadNet(faceapi.nets.faceRecognitionNet, 'face_recognition_model'),
    ssd: () => loadNet(faceapi.nets.ssdMobilenetv1, 'ssd_mobilenetv1_model'),
    ssdLandmarks: () => { net('ssd'); net('landmarks68'); return null; },
    tiny: () => loadNet(faceapi.nets.tinyFaceDetector, 'tiny_face_detector_model'),
  };
  const loaded = {};
  const net = (task) => { if (!(task in loaded)) loaded[task] = nets[task](); return loaded[task]; };
  const request = JSON.parse(fs.readFileSync(requestPath, 'utf8'));
  const results = [];
  for (const img of request.images) {
    const bytes = fs.readFileSync(path.isAbsolute(img.path) ? img.path : path.join(path.dirname(requestPath), img.path));
    if (bytes.length !== img.width * img.height * 3) throw new Error(`${img.path}: ${bytes.length} bytes, expected ${img.width}x${img.height}x3`);
    const input = tf.tensor3d(new Int32Array(bytes), [img.height, img.width, 3], 'int32');
    const result = {};
    for (const task of img.tasks) {
      if (!nets[task]) throw new Error(`unknown task ${task}`);
      if (task === 'landmarks68' || task === 'landmarks68tiny') {
        const lm = await net(task).detectLandmarks(input);
        result[task] = lm.positions.map((p) => [p.x, p.y]);
      } else if (task === 'descriptor') {
        result[task] = Array.from(await net(task).computeFaceDescriptor(input));
      } else if (task === 'ssd') {
        const dets = await net(task).locateFaces(input, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5, maxResults: 100 }));
        result[task] = dets.map((d) => ({ score: d.score, box: box(d.box) }));
      } else if (task === 'ssdLandmarks') {
        net(task);
        const faces = await faceapi.detectAllFaces(input, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5, maxResults: 100 })).withFaceLandmarks();
        result[task] = faces.map((f) => ({ score: f.detection.score, box: box(f.detection.box), landmarks: f.landmarks.positions.map((p) => [p.x, p.y]) }));
      } else if (task === 'tiny') {
        const dets = await net(task).locateFaces(input, new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.5 }));
        result[task] = dets.map((d) => ({ score: d.score, box: box(d.box) }));
      }
    }
    input.dispose();
    results.push(result);
  }
  fs.writeFileSync(outPath, JSON.stringify({ faceapi: faceapi.version, tfjs: tf.version_core, backend: tf.getBackend(), results }));
}

main().catch((e) => { console.error(`face-api-reference: ${e.message}`); process.exit(1); });
