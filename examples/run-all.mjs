// `npm start` (for now): run the three documented value_and_grad examples.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
for (const name of ["value_and_grad_cell", "value_and_grad_function", "value_and_grad_dense"]) {
  console.log(`# examples/${name}.mjs`);
  process.stdout.write(execFileSync(process.execPath, [join(here, `${name}.mjs`)], { encoding: "utf8" }));
  console.log();
}
