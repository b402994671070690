/**
 * The injector set-up of one layer as the benchmarks build it (one thread, CPU, copies stacked 32
 * per suffix run where the suffix takes a batch). Not a benchmark: bench/run.ts runs only the
 * scripts directly in bench/.
 */
import type { LayerSetup } from '../../src/campaign/injector.js';
import type { LayerGolden } from '../../src/campaign/golden.js';
import type { ClassifyOptions } from '../../src/campaign/outcome.js';

export function benchLayerSetup(
  layerId: number,
  g: LayerGolden,
  run: { scoresName: string; inputs: number; classify: ClassifyOptions },
  ways: Pick<LayerSetup, 'earlyExit' | 'windowed' | 'suffixSession'>,
): LayerSetup {
  return {
    layerId,
    suffix: g.suffix,
    boundary: g.boundary,
    scoresName: run.scoresName,
    classes: g.classes,
    inputs: run.inputs,
    golden: g.golden,
    goldenTop1: g.goldenTop1,
    batch: g.batch,
    padBatches: false,
    classify: run.classify,
    provider: 'cpu',
    externalData: g.externalData,
    ...ways,
  };
}
