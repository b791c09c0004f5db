// The page: starts training in a worker, plots the loss as it falls, and predicts a drawn digit.
import type { FromWorker, ToWorker } from "./protocol.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $("status");
const lossCanvas = $<HTMLCanvasElement>("loss");
const drawCanvas = $<HTMLCanvasElement>("draw");
const predictBtn = $<HTMLButtonElement>("predict");
const params = new URLSearchParams(location.search);
const epochs = Number(params.get("epochs") ?? 8);

const losses: number[] = [];
function plotLoss(): void {
  const ctx = lossCanvas.getContext("2d")!;
  const { width: w, height: h } = lossCanvas;
  ctx.clearRect(0, 0, w, h);
  ctx.strokeStyle = "#ccc";
  ctx.strokeRect(30, 10, w - 40, h - 40);
  if (losses.length < 2) return;
  // a running mean keeps the curve readable at batch granularity
  const smooth = losses.map((_, i) => {
    const from = Math.max(0, i - 9);
    const win = losses.slice(from, i + 1);
    return win.reduce((a, b) => a + b, 0) / win.length;
  });
  const max = Math.max(...smooth);
  ctx.strokeStyle = "#1f77b4";
  ctx.lineWidth = 2;
  ctx.beginPath();
  smooth.forEach((l, i) => {
    const px = 30 + ((w - 40) * i) / (smooth.length - 1);
    const py = 10 + (h - 40) * (1 - l / max);
    if (i === 0) ctx.moveTo(px, py);
    else ctx.lineTo(px, py);
  });
  ctx.stroke();
  ctx.fillStyle = "#222";
  ctx.fillText(`loss ${smooth[smooth.length - 1].toFixed(3)} (max ${max.toFixed(2)})`, 36, h - 12);
}

// 8x8 drawing grid, values 0..16 like the data set
const pixels = new Array<number>(64).fill(0);
function drawGrid(): void {
  const ctx = drawCanvas.getContext("2d")!;
  const cell = drawCanvas.width / 8;
  for (let i = 0; i < 64; i++) {
    const v = 255 - Math.round((pixels[i] / 16) * 255);
    ctx.fillStyle = `rgb(${v},${v},${v})`;
    ctx.fillRect((i % 8) * cell, Math.floor(i / 8) * cell, cell, cell);
  }
}
let drawing = false;
function paint(ev: MouseEvent): void {
  const r = drawCanvas.getBoundingClientRect();
  const cx = Math.floor(((ev.clientX - r.left) / r.width) * 8);
  const cy = Math.floor(((ev.clientY - r.top) / r.height) * 8);
  if (cx < 0 || cy < 0 || cx > 7 || cy > 7) return;
  pixels[cy * 8 + cx] = 16;
  drawGrid();
}
drawCanvas.addEventListener("mousedown", (e) => { drawing = true; paint(e); });
drawCanvas.addEventListener("mousemove", (e) => drawing && paint(e));
window.addEventListener("mouseup", () => (drawing = false));
$("clear").addEventListener("click", () => { pixels.fill(0); drawGrid(); $("prediction").textContent = "–"; });

const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
const send = (m: ToWorker) => worker.postMessage(m);
predictBtn.addEventListener("click", () => send({ type: "predict", pixels }));
worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  if (m.type === "status") status.textContent = m.text;
  else if (m.type === "loss") {
    losses.push(m.loss);
    if (m.step % 5 === 0) plotLoss();
  } else if (m.type === "epoch") status.textContent = `training: epoch ${m.epoch}/${m.epochs}, test accuracy ${(m.testAccuracy * 100).toFixed(1)}%`;
  else if (m.type === "done") {
    plotLoss();
    status.textContent = `done: test accuracy ${(m.testAccuracy * 100).toFixed(1)}% in ${m.seconds.toFixed(1)} s (backend ${m.backend})`;
    status.dataset.accuracy = String(m.testAccuracy);
    predictBtn.disabled = false;
  } else if (m.type === "prediction") $("prediction").textContent = String(m.digit);
  else if (m.type === "error") status.textContent = `error: ${m.message}`;
};

// a hook for the browser test: set the 8x8 pixels directly
(window as unknown as { __setPixels: (p: number[]) => void }).__setPixels = (p) => { p.forEach((v, i) => (pixels[i] = v)); drawGrid(); };
drawGrid();
plotLoss();
send({ type: "train", epochs, seed: Number(params.get("seed") ?? 0) });
