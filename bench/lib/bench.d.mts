// Types of bench.mjs for test/bench_smoke.test.ts (the bench itself is plain JavaScript so that it runs with node alone).
export interface CaseResult {
  ms: number;
  first_ms: number;
  reps: number;
  rounds: number[];
  gflops?: number;
}
export interface BenchRecord {
  date: string;
  mode: "full" | "smoke";
  machine: { cpu_model: string; cores: number; simd: string[]; memory_gib: number; os: string; node: string; v8: string };
  frameworks: { name: string; kind: "ms" | "peer"; info: Record<string, unknown> }[];
  skipped: string[];
  ids: string[];
  results: Record<string, Record<string, CaseResult>>;
  checks: Record<string, Record<string, number>>;
  errors: Record<string, Record<string, string>>;
  targets?: { what: string; ok: boolean | null; got: string }[];
}
export interface BenchOptions {
  ms: unknown;
  msBackends: string[];
  peers: string[];
  mode?: "full" | "smoke";
  log?: (line: string) => void;
  rounds?: number;
  timeS?: number;
  maxCallS?: number;
  only?: string[];
  infoFn?: (backend: string) => Record<string, unknown>;
  keepOpen?: boolean;
  torchThreads?: number;
  torchBlasThreads?: number;
}
export function runBench(o: BenchOptions): Promise<{ rec: BenchRecord }>;
export function collectFrameworks(o: unknown): Promise<{ frameworks: unknown[]; skipped: string[] }>;
