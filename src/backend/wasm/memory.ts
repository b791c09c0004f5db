/**
 * Tensor memory of the wasm backend, managed without the user's help.
 *
 * - Heap: one WebAssembly.Memory (shared when threads are on) with a simple
 *   allocator: sizes rounded to classes (64-byte steps up to 1 KiB, then four
 *   classes per octave, so at most 25% slack), a free list per class and a
 *   bump pointer; memory grows when the lists are empty. Training loops
 *   allocate the same sizes every step, so blocks are reused, not grown.
 * - Small tensors (under SMALL_BYTES) live in JS TypedArrays: the GC frees
 *   them like any object and the kernels copy them in when they need them.
 * - A large tensor's block is returned to the heap when its Storage becomes
 *   unreachable (FinalizationRegistry), when it is disposed, or, for the
 *   engine's temporaries, as soon as the kernel that used them returns.
 * - The GC does not see wasm memory, so it would rarely run in a loop whose
 *   JS objects are few and small: where we cannot collect ourselves (below),
 *   every BALLAST_EVERY bytes of tensors we allocate (and drop) a large
 *   ArrayBuffer, which V8 counts as external memory and which triggers
 *   collections; it is never touched, so it costs an mmap and no resident
 *   memory.
 * - FinalizationRegistry callbacks only run between tasks of the event loop,
 *   never inside a long synchronous loop (a training loop that never awaits),
 *   and only after a full collection: V8's young collections treat the
 *   registry's targets as live. So in Node we run full collections ourselves
 *   and the registry's pending callbacks at once (V8's gc() and
 *   FinalizationRegistry.prototype.cleanupSome, reached through
 *   v8.setFlagsFromString and a fresh vm context; see `Collector`): at a step
 *   boundary once an eighth of the budget of garbage may have built up (spaced
 *   so that collections take at most a tenth of the time), and when resident
 *   bytes exceed the budget.
 * - Where that is not available (browsers), or not enough, the least
 *   recently used resident blocks are spilled: copied to a JS TypedArray
 *   owned by the Storage alone (so the GC frees it with the Storage) and their
 *   block reused; a spilled tensor used again is copied back. Either way
 *   memory stays bounded in a synchronous loop, and nothing reachable is lost.
 */
import type { DType, TypedArray } from "../../core/dtype.js";
import type { Collector } from "../collector.js";

/** Bytes below which a tensor lives on the JS heap. */
export const SMALL_BYTES = 16 * 1024;
/** Low memory reserved for the thread pool's control block and arguments. */
export const RESERVED_BYTES = 8192;
const PAGE = 65536;
const BALLAST_EVERY = 16 * 2 ** 20;
/** above glibc's largest mmap threshold (32 MiB), so it is always a fresh, untouched mapping */
const BALLAST_BYTES = 33 * 2 ** 20;
/** at step boundaries, a collection waits this many times the last one's duration (see stepBoundary) */
const GC_SPACING = 10;

export function sizeClass(bytes: number): number {
  if (bytes <= 1024) return Math.max(64, (bytes + 63) & ~63);
  const step = 2 ** (Math.floor(Math.log2(bytes)) - 2);
  return Math.ceil(bytes / step) * step;
}

export class Heap {
  readonly memory: WebAssembly.Memory;
  private readonly free = new Map<number, number[]>();
  private top = RESERVED_BYTES;
  /** bytes handed out and not yet freed */
  inUse = 0;
  blocks = 0;
  f32!: Float32Array;
  u8!: Uint8Array;
  i32!: Int32Array;
  f64!: Float64Array;
  private viewsOf: ArrayBufferLike | null = null;

  constructor(
    readonly shared: boolean,
    readonly maximumPages: number,
    initialPages = 256,
  ) {
    this.memory = new WebAssembly.Memory({ initial: initialPages, maximum: maximumPages, shared } as WebAssembly.MemoryDescriptor);
    this.refresh();
  }

  /** Typed views over the whole memory; re-made after growth (the old buffer is detached or too short). */
  refresh(): void {
    const buf = this.memory.buffer;
    if (buf === this.viewsOf && this.f32.buffer.byteLength === buf.byteLength) return;
    this.viewsOf = buf;
    this.f32 = new Float32Array(buf);
    this.u8 = new Uint8Array(buf);
    this.i32 = new Int32Array(buf);
    this.f64 = new Float64Array(buf);
  }

  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  alloc(bytes: number): number {
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    this.inUse += size;
    this.blocks++;
    if (list && list.length) return list.pop() as number;
    const p = this.top;
    if (p + size > this.byteLength) {
      const need = p + size - this.byteLength;
      // grow by at least half the current size so growth is rare
      const pages = Math.max(Math.ceil(need / PAGE), Math.ceil(this.byteLength / PAGE / 2));
      const room = this.maximumPages - this.byteLength / PAGE;
      if (Math.ceil(need / PAGE) > room) {
        this.inUse -= size;
        this.blocks--;
        throw new RangeError(`wasm backend: out of memory (asked for ${bytes} bytes, ${this.byteLength} in use of at most ${this.maximumPages * PAGE})`);
      }
      const before = this.byteLength;
      this.memory.grow(Math.min(pages, room));
      this.refresh();
      this.prefault(before);
    }
    this.top = p + size;
    return p;
  }

  /**
   * Touch one byte of every new page now, on this thread. A fresh page costs a fault when first
   * written; kernels split over the worker threads would otherwise take those faults concurrently,
   * and concurrent faults in one process serialise on the kernel's memory-map lock: a product
   * writing into fresh memory on two threads ran 2.5x slower than on one.
   */
  private prefault(from: number): void {
    const u8 = this.u8;
    for (let p = from; p < u8.length; p += 4096) u8[p] = 0;
  }

  /** Whether `bytes` can be served from a freed block (no fresh memory touched). */
  hasFree(bytes: number): boolean {
    const list = this.free.get(sizeClass(bytes));
    return list !== undefined && list.length > 0;
  }

  release(ptr: number, bytes: number): void {
    const size = sizeClass(bytes);
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(ptr);
    this.inUse -= size;
    this.blocks--;
  }

  /** A typed view of `length` elements of `dtype` at `ptr` (valid until the memory grows). */
  view(dtype: DType, ptr: number, length: number): TypedArray {
    this.refresh();
    return new dtype.storage(this.memory.buffer, ptr, length);
  }
}

/**
 * Where a storage's data is: in the heap (`ptr` >= 0) or in `host`, a JS
 * TypedArray (small tensors, and spilled ones). It holds no reference to its
 * Storage, so the LRU list and the FinalizationRegistry never keep one alive.
 */
export class Block {
  ptr = -1;
  host: TypedArray | null = null;
  lastUse = 0;
  prev: Block | null = null;
  next: Block | null = null;
  constructor(readonly bytes: number) {}
}

export interface ResidencyStats {
  /** large tensors whose data is in wasm memory */
  residentBlocks: number;
  residentBytes: number;
  /** bytes of wasm memory (it never shrinks) */
  memoryBytes: number;
  /** blocks handed out by the heap, temporaries included */
  heapBlocks: number;
  spilledBlocks: number;
  spilledBytes: number;
  reloadedBytes: number;
  freedByGc: number;
  majorGcs: number;
  /** ballast ArrayBuffers dropped to make V8 collect (see BALLAST_EVERY) */
  ballasts: number;
  budgetBytes: number;
}

/** The residency policy: LRU order, budget, spilling, and freeing by GC. */
export class Residency {
  private head: Block | null = null;
  private tail: Block | null = null;
  private residentBlocks = 0;
  private residentBytes = 0;
  private spilledBlocks = 0;
  private spilledBytes = 0;
  private reloadedBytes = 0;
  private reloadedSinceCheck = 0;
  private freedByGc = 0;
  private sinceBallast = 0;
  private ballasts = 0;
  /**
   * Bytes of tensors allocated since the last full collection, less those the engine freed itself:
   * at most what a collection now would free.
   */
  private garbage = 0;
  /** `garbage` at the last step boundary */
  private garbageAtBoundary = 0;
  /** over budget, a full collection once `garbage` reaches this share of the budget (adapted in makeRoom) */
  private overBudgetShare = 1 / 4;
  private spilledSinceGrowth = 0;
  private majorGcs = 0;
  /** the clock collections are spaced by (tests replace it) */
  now: () => number = () => performance.now();
  /** how long the last collection took, and when it ended (ms on `now`) */
  private lastGcMs = 0;
  private lastGcEnd = -Infinity;
  /** bumped at the start of every kernel; blocks used by the running kernel are never spilled */
  tick = 1;
  private readonly registry: FinalizationRegistry<Block> & { cleanupSome?: () => void };
  /** how far the budget grows on its own when collections cannot keep under it */
  maxAutoBudget: number;

  constructor(
    readonly heap: Heap,
    public budgetBytes: number,
    readonly maxBudgetBytes: number,
    private readonly collector: Collector | null = null,
  ) {
    this.maxAutoBudget = Math.min(maxBudgetBytes, budgetBytes * 4);
    const Registry = collector?.Registry ?? FinalizationRegistry;
    this.registry = new Registry((b: Block) => {
      if (b.ptr >= 0) {
        this.freedByGc++;
        this.drop(b);
      }
    });
  }

  /** Give `b` (owned by `owner`) wasm memory, registered so the GC frees it; spills old blocks first if over budget. */
  allocResident(owner: object, b: Block): void {
    this.pressure(b.bytes);
    this.makeRoom(b.bytes);
    b.ptr = this.heap.alloc(b.bytes);
    b.host = null;
    b.lastUse = this.tick;
    this.link(b);
    this.registry.register(owner, b, b);
  }

  /** Bring a spilled block back into wasm memory (it is in use again). */
  reload(owner: object, b: Block): void {
    const host = b.host as TypedArray;
    this.pressure(b.bytes);
    this.makeRoom(b.bytes);
    b.ptr = this.heap.alloc(b.bytes);
    this.heap.u8.set(new Uint8Array(host.buffer, host.byteOffset, b.bytes), b.ptr);
    b.host = null;
    b.lastUse = this.tick;
    this.link(b);
    this.registry.register(owner, b, b);
    this.reloadedBytes += b.bytes;
    this.reloadedSinceCheck += b.bytes;
    // data we spilled is wanted back: the working set is larger than the budget
    if (this.reloadedSinceCheck > this.budgetBytes / 4 && this.budgetBytes < this.maxBudgetBytes) {
      this.budgetBytes = Math.min(this.maxBudgetBytes, this.budgetBytes * 2);
      this.reloadedSinceCheck = 0;
    }
  }

  /** Mark a resident block as used by the current kernel (most recent in LRU order). */
  touch(b: Block): void {
    b.lastUse = this.tick;
    if (b === this.tail) return;
    this.unlink(b);
    this.link(b);
  }

  /**
   * The engine freed a block itself (jit's executor at a value's last use, `dispose()`): it needs no
   * collection, so it does not count toward the next one, nor toward the ballast. Without this a
   * jitted CNN step, whose 20 MB of intermediates the executor frees, paid a collection (and V8's
   * background work after it, on the cores the kernels use) nearly every step.
   */
  release(b: Block): void {
    if (b.ptr >= 0) {
      this.garbage = Math.max(0, this.garbage - b.bytes);
      this.sinceBallast = Math.max(0, this.sinceBallast - b.bytes);
    }
    this.drop(b);
  }

  /** Free a resident block now (dispose, or the GC found its owner unreachable). */
  drop(b: Block): void {
    if (b.ptr < 0) return;
    this.registry.unregister(b);
    this.unlink(b);
    this.heap.release(b.ptr, b.bytes);
    b.ptr = -1;
  }

  /**
   * Where we cannot collect ourselves (browsers), tell the GC about wasm allocations (see
   * BALLAST_EVERY). Where we can, our own full collections replace it: V8 answered each ballast with a
   * young and a full collection of its own, whose concurrent marking took the core the kernels' second
   * thread runs on.
   */
  private pressure(bytes: number): void {
    if (this.collector) return;
    this.sinceBallast += bytes;
    if (this.sinceBallast >= BALLAST_EVERY) {
      this.sinceBallast = 0;
      this.ballasts++;
      void new ArrayBuffer(BALLAST_BYTES);
    }
  }

  /**
   * Before `bytes` become resident, free what died. Only a full collection can (see stepBoundary), and
   * it costs milliseconds, so none runs while the budget holds. Over budget: first the registry's
   * pending callbacks (V8's own collections may have found dead tensors), then a full collection if a
   * quarter of the budget has been allocated since the last one that only a collection could free
   * (more, up to two budgets, while collections find the tensors live), and then the least recently
   * used blocks are spilled; when spills add up to half the budget, the
   * budget doubles (up to 4x): this workload's working set is larger than it.
   */
  private makeRoom(bytes: number): void {
    this.garbage += bytes;
    const over = () => this.residentBytes + bytes > this.budgetBytes;
    if (over()) {
      this.registry.cleanupSome?.();
      if (over() && this.garbage >= this.overBudgetShare * this.budgetBytes) {
        const expected = this.garbage;
        const before = this.residentBytes;
        this.collect();
        // live tensors, not garbage (a loop that keeps what it makes): collect less often, down to
        // once per two budgets, and spill meanwhile
        const freed = before - this.residentBytes;
        this.overBudgetShare = freed < expected / 2 ? Math.min(2, 2 * this.overBudgetShare) : 1 / 4;
      }
    }
    while (over() && this.head && this.head.lastUse !== this.tick) this.spill(this.head);
  }

  /** A full collection now, and the registry's callbacks at once (Node: see `Collector`). */
  private collect(): void {
    const c = this.collector;
    if (!c || !this.registry.cleanupSome) return;
    const t0 = this.now();
    this.garbage = 0;
    this.majorGcs++;
    this.registry.cleanupSome();
    c.gc(true);
    this.registry.cleanupSome();
    this.lastGcEnd = this.now();
    this.lastGcMs = this.lastGcEnd - t0;
  }

  /**
   * A gradient is starting at the lowest level (Backend.stepBoundary): the previous step's tensors
   * (its results, an eager optimizer's old parameters) are usually dead by now. A full collection here
   * frees them before the new step allocates, when both
   * - the garbage reaches an eighth of the budget, or three steps' worth where steps make more (so at
   *   most every third step), and
   * - GC_SPACING times the last collection's duration has passed since it ended: collections take at
   *   most about a tenth of the time. A full collection costs 0.7 ms per MB of V8's old space (8 ms for
   *   the library alone, 15 ms with the bench's peers loaded); an MLP step that returns 2.7 MB of
   *   gradients in 7 ms paid one every fourth step, and V8's sweeping after it slowed the next ones.
   * and in any case once the garbage reaches half the budget, which bounds what a fast loop leaves
   * resident. A full one, because V8's young collections never clear a FinalizationRegistry's targets
   * (nor WeakRefs): they treat them as live and promote them (measured on Node 20: a young collection
   * after dropping 8 MiB of tensors freed none of them). The engine's own frees (jit's intermediates
   * and replaced weights, dispose) do not count, so a jitted step whose only garbage is its few
   * results pays a collection every many steps, not every step.
   */
  stepBoundary(): void {
    const lastStep = this.garbage - this.garbageAtBoundary;
    const enough = this.garbage >= Math.max(this.budgetBytes / 8, 3 * lastStep);
    const spaced = this.now() - this.lastGcEnd >= GC_SPACING * this.lastGcMs;
    if ((enough && spaced) || this.garbage >= this.budgetBytes / 2) this.collect();
    this.garbageAtBoundary = this.garbage;
  }

  /** Copy a block's data to the JS heap and give its wasm memory back. */
  private spill(b: Block): void {
    const copy = new Uint8Array(b.bytes);
    copy.set(this.heap.u8.subarray(b.ptr, b.ptr + b.bytes));
    b.host = copy;
    this.spilledBlocks++;
    this.spilledBytes += b.bytes;
    this.spilledSinceGrowth += b.bytes;
    if (this.spilledSinceGrowth > this.budgetBytes / 2 && this.budgetBytes * 2 <= this.maxAutoBudget) {
      this.budgetBytes *= 2;
      this.spilledSinceGrowth = 0;
    }
    this.drop(b);
  }

  private link(b: Block): void {
    b.prev = this.tail;
    b.next = null;
    if (this.tail) this.tail.next = b;
    else this.head = b;
    this.tail = b;
    this.residentBlocks++;
    this.residentBytes += b.bytes;
  }

  private unlink(b: Block): void {
    if (b.prev) b.prev.next = b.next;
    else if (this.head === b) this.head = b.next;
    else return; // not linked
    if (b.next) b.next.prev = b.prev;
    else this.tail = b.prev;
    b.prev = b.next = null;
    this.residentBlocks--;
    this.residentBytes -= b.bytes;
  }

  stats(): ResidencyStats {
    return {
      residentBlocks: this.residentBlocks,
      residentBytes: this.residentBytes,
      memoryBytes: this.heap.byteLength,
      heapBlocks: this.heap.blocks,
      spilledBlocks: this.spilledBlocks,
      spilledBytes: this.spilledBytes,
      reloadedBytes: this.reloadedBytes,
      freedByGc: this.freedByGc,
      majorGcs: this.majorGcs,
      ballasts: this.ballasts,
      budgetBytes: this.budgetBytes,
    };
  }
}
