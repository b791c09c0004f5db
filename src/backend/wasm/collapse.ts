/** Axis collapsing shared by the drivers. */

/** Drop unit axes and merge neighbours that every operand walks contiguously. */
export function collapse(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const keep = shape.map((d, i) => i).filter((i) => shape[i] !== 1);
  let sh = keep.map((i) => shape[i]);
  let st = strides.map((s) => keep.map((i) => s[i]));
  for (let i = sh.length - 2; i >= 0; i--) {
    if (st.every((s) => s[i] === s[i + 1] * sh[i + 1])) {
      sh = [...sh.slice(0, i), sh[i] * sh[i + 1], ...sh.slice(i + 2)];
      st = st.map((s) => [...s.slice(0, i), s[i + 1], ...s.slice(i + 2)]);
    }
  }
  return { shape: sh, strides: st };
}

