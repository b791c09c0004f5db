/** Spying on a backend's `release`: which storages a call hands back at once. */
import type { Storage } from "../../src/backend/backend.js";

export function recordReleases<T>(backend: { release?(storage: Storage): void }, fn: () => T): { result: T; released: Storage[] } {
  const released: Storage[] = [];
  const release = backend.release!.bind(backend);
  backend.release = (st) => {
    released.push(st);
    release(st);
  };
  try {
    return { result: fn(), released };
  } finally {
    backend.release = release;
  }
}
