/**
 * Benchmark cases of the texture synthesis chapter: a 32 × 32 texture grown
 * from the brick sample at the figure's 64 × 64, neighbourhood 9, by each
 * synthesiser of src/core/texture/registry.ts. Plain JavaScript: the backend
 * does not matter.
 */
import { TEXTURE_METHODS } from '../core/texture/registry';
import { SAMPLE_SIDE, resizeTexture, textureFromRaster, type Grower } from '../core/texture/texture-image';
import type { BenchCase } from './bench-cases';
import { IMAGES_URL } from './gallery';
import { loadImageUrl } from './image-input';

const SIZE = 32;
const NEIGHBOURHOOD = 9;

function finish(grower: Grower): unknown {
  for (;;) {
    const r = grower.next();
    if (r.done) return r.value;
  }
}

/** One case per synthesiser. */
export function textureBenchCases(): BenchCase[] {
  return Object.values(TEXTURE_METHODS).map((method) => ({
    id: `texture/${method.id} ${SIZE}x${SIZE} n=${NEIGHBOURHOOD}`,
    description: `${method.title}: ${SIZE}×${SIZE} from the brick sample at ${SAMPLE_SIDE}×${SAMPLE_SIDE}, neighbourhood ${NEIGHBOURHOOD}, seed 0`,
    async setup() {
      const sample = resizeTexture(textureFromRaster(await loadImageUrl(`${IMAGES_URL}brick.png`)), SAMPLE_SIDE);
      return {
        run: async () => finish(method.create(sample, { width: SIZE, height: SIZE, neighbourhood: NEIGHBOURHOOD, seed: 0 })),
        dispose() {},
      };
    },
  }));
}
