/**
 * MindSpore's Python exception classes. Errors carry the class name as `name`
 * so `err.name === "ValueError"` reads like Python, and they are real classes
 * so `err instanceof ms.ValueError` works. They extend the JS class of the same
 * spirit (TypeError extends the built-in TypeError, and so on).
 */
export class ValueError extends Error {
  override name = "ValueError";
}
export class TypeError extends globalThis.TypeError {
  override name = "TypeError";
}
export class RuntimeError extends Error {
  override name = "RuntimeError";
}
/**
 * A Tensor's values were asked for while `jit` was tracing, where only its
 * shape and dtype exist. `jit` catches it and runs the function eagerly.
 */
export class TracedValueError extends RuntimeError {
  override name = "RuntimeError";
}
export class IndexError extends globalThis.RangeError {
  override name = "IndexError";
}
export class KeyError extends Error {
  override name = "KeyError";
}
export class AttributeError extends Error {
  override name = "AttributeError";
}

/** Python-ish type name of a JS value, for error messages ("int", "float", "list", "Tensor"...). */
export function typeName(v: unknown): string {
  if (v === null) return "None";
  if (v === undefined) return "undefined";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "string") return "str";
  if (typeof v === "bigint") return "int";
  if (typeof v === "function") return "function";
  if (Array.isArray(v)) return "list";
  const ctor = (v as object).constructor;
  return ctor && ctor.name ? ctor.name : "object";
}
