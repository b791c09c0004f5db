/** The documented value_and_grad examples, run as plain Node against the built package. */
import { describe, it, expect } from "vitest";
import { execFileSync } from "node:child_process";

const run = (name: string) => execFileSync(process.execPath, [`examples/${name}.mjs`], { encoding: "utf8" });

describe("MindSpore's value_and_grad examples, ported line by line", () => {
  it("1: a Cell, grad_position=1", () => {
    expect(run("value_and_grad_cell")).toBe("[-0. 18.]\n[0. 6.]\n");
  });
  it("2: a function, grad_position=(1, 2), has_aux=True", () => {
    expect(run("value_and_grad_function")).toBe(
      "(Tensor(shape=[2], dtype=Float32, value= [ 7.50000000e+01,  7.50000000e+01]), Tensor(shape=[2], dtype=Float32, value= [ 5.00000000e+00,  5.00000000e+00]))\n" +
        "(Tensor(shape=[2], dtype=Float32, value= [ 7.50000000e+01,  7.50000000e+01]), Tensor(shape=[2], dtype=Float32, value= [ 3.00000000e+01,  3.00000000e+01]))\n",
    );
  });
  it("3: nn.Dense + nn.MSELoss, the three cases", () => {
    expect(run("value_and_grad_dense")).toBe("(16, 1)\n(16, 10) (16, 10)\n(16, 1)\n2 2\n(16, 1)\n(16, 10) (16, 10)\n2 2\n");
  });
});
