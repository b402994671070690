/** Command-line helpers shared by the benchmark scripts (not a benchmark itself). */
import { join } from 'node:path';
import { NO_REFERENCE_REASON, referenceModelsDir } from '../test/helpers.js';

/** Exit status of a benchmark that cannot run here (automake's convention for a skipped test). */
export const BENCH_SKIPPED = 77;

export interface BenchArgs {
  /** Value after `name`, if given. */
  opt(name: string): string | undefined;
  has(flag: string): boolean;
  /** A whole number >= 1 after `name`, or `dflt`. */
  count(name: string, dflt: number): number;
  /** One of `allowed` after `name`, or `dflt`. */
  choice<T extends string>(name: string, allowed: readonly T[], dflt: T): T;
  /** --model FILE, else the reference warp conv_gemm model (found as the tests find it). */
  referenceModel(): string;
}

export function benchArgs(argv: readonly string[] = process.argv.slice(2)): BenchArgs {
  const opt = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    opt,
    has: (flag) => argv.includes(flag),
    count(name, dflt) {
      const n = Number(opt(name) ?? dflt);
      if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} needs a whole number >= 1`);
      return n;
    },
    choice<T extends string>(name: string, allowed: readonly T[], dflt: T): T {
      const v = opt(name) ?? dflt;
      if (!allowed.includes(v as T)) throw new Error(`${name}: expected one of ${allowed.join(', ')}, got ${v}`);
      return v as T;
    },
    referenceModel() {
      const ref = referenceModelsDir();
      const model = opt('--model') ?? (ref ? join(ref, 'faulty_warp_models', 'conv_gemm.json') : undefined);
      if (!model) {
        // Not a failure: a clone without the (GPL) reference models skips this benchmark.
        process.stdout.write(`skipped: ${NO_REFERENCE_REASON}; or pass --model FILE\n`);
        process.exit(BENCH_SKIPPED);
      }
      return model;
    },
  };
}
