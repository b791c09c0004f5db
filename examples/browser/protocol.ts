/** Messages between the page and the training worker. */
export type ToWorker = { type: "train"; epochs: number; seed: number } | { type: "predict"; pixels: number[] };
export type FromWorker =
  | { type: "status"; text: string }
  | { type: "loss"; step: number; loss: number }
  | { type: "epoch"; epoch: number; epochs: number; testAccuracy: number }
  | { type: "done"; testAccuracy: number; seconds: number; backend: string }
  | { type: "prediction"; digit: number; probabilities: number[] }
  | { type: "error"; message: string };
