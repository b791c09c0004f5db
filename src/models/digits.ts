/** The two models the command line trains: a small CNN for images and an MLP for anything. */
import * as ms from "../index.js";
const { nn } = ms;

export type ModelKind = "cnn" | "mlp";

export interface ModelSpec {
  kind: ModelKind;
  inputs: number;
  classes: number;
  /** channels, height, width for the CNN */
  imageShape?: [number, number, number];
  hidden?: number;
}

/** Conv2d-BatchNorm2d-ReLU-MaxPool2d twice, then Dense: the MindSpore LeNet idiom, sized for 8x8 digits. */
export class DigitsCNN extends nn.Cell {
  features: InstanceType<typeof nn.SequentialCell>;
  classifier: InstanceType<typeof nn.Dense>;
  constructor(readonly imageShape: [number, number, number], classes: number) {
    super();
    const [c, h, w] = imageShape;
    this.features = new nn.SequentialCell([
      new nn.Conv2d(c, 16, 3, 1, "pad", 1, 1, 1, true),
      new nn.BatchNorm2d(16),
      new nn.ReLU(),
      new nn.MaxPool2d(2, 2),
      new nn.Conv2d(16, 32, 3, 1, "pad", 1, 1, 1, true),
      new nn.BatchNorm2d(32),
      new nn.ReLU(),
      new nn.MaxPool2d(2, 2),
      new nn.Flatten(),
    ]);
    this.classifier = new nn.Dense(32 * Math.floor(h / 4) * Math.floor(w / 4), classes);
  }
  construct(x: ms.Tensor): ms.Tensor {
    const [c, h, w] = this.imageShape;
    return this.classifier(this.features(ms.ops.reshape(x, [-1, c, h, w])));
  }
}

/** Dense-ReLU-Dense-ReLU-Dense. */
export class MLP extends nn.Cell {
  body: InstanceType<typeof nn.SequentialCell>;
  constructor(inputs: number, hidden: number, classes: number) {
    super();
    this.body = new nn.SequentialCell([new nn.Dense(inputs, hidden), new nn.ReLU(), new nn.Dense(hidden, hidden), new nn.ReLU(), new nn.Dense(hidden, classes)]);
  }
  construct(x: ms.Tensor): ms.Tensor {
    return this.body(x);
  }
}

export function buildModel(spec: ModelSpec): ms.nn.Cell {
  if (spec.kind === "cnn") {
    if (!spec.imageShape) throw new ms.ValueError("The 'cnn' model needs image data (--data digits); use --model mlp for tabular data.");
    return new DigitsCNN(spec.imageShape, spec.classes);
  }
  return new MLP(spec.inputs, spec.hidden ?? 128, spec.classes);
}
