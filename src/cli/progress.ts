/**
 * Progress display: a bar per epoch (steps, loss, samples/s, time left) on a
 * terminal, drawn by cli-progress; plain lines when the output is not a TTY.
 */
import cliProgress from "cli-progress";

export interface EpochProgress {
  update(step: number, loss: number, samplesPerSecond: number): void;
  stop(): void;
}

export function epochProgress(epoch: number, epochs: number, steps: number, out: NodeJS.WriteStream = process.stdout): EpochProgress {
  if (out.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `epoch ${String(epoch).padStart(String(epochs).length)}/${epochs} |{bar}| {value}/{total} steps | loss {loss} | {sps} samples/s | ETA {eta_formatted}`,
        hideCursor: true,
        clearOnComplete: false,
        stream: out,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(steps, 0, { loss: "-", sps: "-" });
    return {
      update: (step, loss, sps) => bar.update(step, { loss: loss.toFixed(4), sps: Math.round(sps) }),
      stop: () => bar.stop(),
    };
  }
  // not a terminal: a few plain lines per epoch, no control characters
  const every = Math.max(1, Math.ceil(steps / 4));
  return {
    update: (step, loss, sps) => {
      if (step % every === 0 || step === steps) {
        out.write(`epoch ${epoch}/${epochs} step ${step}/${steps} loss ${loss.toFixed(4)} ${Math.round(sps)} samples/s\n`);
      }
    },
    stop: () => {},
  };
}
