/**
 * The input every figure of a chapter studies: one network and one image,
 * shared by all figures on the page, so that changing the image in one figure
 * changes it in all. The workbench owns the networks it loads and disposes
 * them when the last figure that uses them leaves the page.
 *
 * Images come from the network's own test set (the book's models), from the
 * gallery, or from the reader (file, drop, paste, camera).
 */
import type { Mask } from '../core/attribution/maps';
import type { ConvNet } from '../core/convnet';
import { SCENE_CLASSES, generateScene } from '../core/data/scenes';
import { type RgbaImage, toModelInput, toRgba } from '../core/image';
import { PROJECT_MODELS, loadProjectModel } from '../core/model-loader';
import type { Tensor4D } from '../core/tf';
import { getEngine } from './engine';
import { readUrlState, writeUrlState } from './url-state';
import { errorMessage } from '../core/errors';

/** An image under study, with what is known about it. */
export interface Sample {
  image: RgbaImage;
  title: string;
  /** True class, when the image comes from a labelled test set. */
  label?: number;
  /** Ground-truth object mask (the colour scenes). */
  mask?: Mask;
  /** Where it came from, for the URL: `test:<index>` or `gallery:<id>`; none for the reader's own. */
  ref?: string;
}

/** The state figures render. */
export interface WorkbenchState {
  modelId: string;
  net: ConvNet | null;
  sample: Sample | null;
  loading: boolean;
  error: string | null;
}

/** The network figures start on: the colour model, whose scenes have object masks. */
export const DEFAULT_MODEL = 'scenes-cnn';
/** First test seed of the scenes, as in scripts/lib/datasets.ts: the test scenes are never trained on. */
const SCENE_TEST_SEED_OFFSET = 1_000_000;
/** URL parameter holding the page's input. */
const URL_KEY = 'input';

async function fashionSprite(): Promise<{ canvas: OffscreenCanvas | HTMLCanvasElement; labels: number[]; columns: number; count: number }> {
  const base = import.meta.env.BASE_URL.replace(/\/?$/, '/');
  const [meta, blob] = await Promise.all([
    fetch(`${base}data/fashion-mnist/labels.json`).then((r) => r.json() as Promise<{ labels: number[]; tile: { columns: number }; count: number }>),
    fetch(`${base}data/fashion-mnist/images.png`).then((r) => r.blob()),
  ]);
  const bitmap = await createImageBitmap(blob);
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
  return { canvas, labels: meta.labels, columns: meta.tile.columns, count: meta.count };
}

let sprite: ReturnType<typeof fashionSprite> | null = null;

/** The number of test images the book ships for a model. */
export async function testSetSize(modelId: string): Promise<number> {
  if (modelId === 'fashion-vgg') return (await (sprite ??= fashionSprite())).count;
  return 2000;
}

/** Test image `index` of one of the book's models. */
export async function testSample(modelId: string, index: number): Promise<Sample> {
  if (modelId === 'fashion-vgg') {
    const { canvas, labels, columns } = await (sprite ??= fashionSprite());
    const x = (index % columns) * 28;
    const y = Math.floor(index / columns) * 28;
    const data = (canvas as HTMLCanvasElement).getContext('2d')!.getImageData(x, y, 28, 28).data;
    return { image: { width: 28, height: 28, channels: 4, data }, title: `test image ${index}`, label: labels[index], ref: `test:${index}` };
  }
  const scene = generateScene(SCENE_TEST_SEED_OFFSET + index, { label: index % SCENE_CLASSES.length });
  return {
    image: toRgba({ width: scene.width, height: scene.height, channels: 3, data: scene.data.map((v) => v * 255) }),
    title: `test scene ${index}`,
    label: scene.label,
    mask: { width: scene.width, height: scene.height, data: scene.mask },
    ref: `test:${index}`,
  };
}

class Workbench extends EventTarget {
  state: WorkbenchState = { modelId: DEFAULT_MODEL, net: null, sample: null, loading: false, error: null };
  private users = 0;
  /** Whether the workbench loaded the current network (and so disposes it), or a picker lent it. */
  private ownsNet = false;
  private run = 0;
  private started = false;

  private set(patch: Partial<WorkbenchState>): void {
    this.state = { ...this.state, ...patch };
    this.dispatchEvent(new Event('change'));
  }

  /** A figure starts using the workbench; the first one loads the network named in the URL or the default. */
  acquire(): void {
    this.users++;
    if (this.started) return;
    this.started = true;
    const saved = readUrlState(URL_KEY) as { model?: unknown; sample?: unknown } | undefined;
    const model = PROJECT_MODELS.some((m) => m.id === saved?.model) ? (saved!.model as string) : DEFAULT_MODEL;
    const index = typeof saved?.sample === 'string' && /^test:\d+$/.test(saved.sample) ? Number(saved.sample.slice(5)) : 0;
    void this.selectModel(model, index);
  }

  /** A figure stops using it; the last one out disposes the network. */
  release(): void {
    this.users = Math.max(0, this.users - 1);
    if (this.users > 0) return;
    this.dropNet();
    this.state = { ...this.state, net: null, sample: null };
    this.started = false;
  }

  /** Loads one of the book's networks and shows its test image `index`. */
  async selectModel(modelId: string, index = 0): Promise<void> {
    const run = ++this.run;
    this.set({ loading: true, error: null, modelId });
    try {
      await getEngine();
      const net = await loadProjectModel(modelId, import.meta.env.BASE_URL);
      const sample = await testSample(modelId, index);
      if (run !== this.run) return net.dispose();
      this.dropNet();
      this.ownsNet = true;
      this.set({ net, sample, loading: false });
      this.saveUrl();
    } catch (err) {
      if (run === this.run) this.set({ loading: false, error: `The network could not be loaded: ${errorMessage(err)}` });
    }
  }

  private dropNet(): void {
    if (this.ownsNet) this.state.net?.dispose();
    this.ownsNet = false;
  }

  /** Uses a network the reader loaded; the picker that loaded it keeps ownership. */
  useNet(net: ConvNet): void {
    this.run++;
    if (this.state.net !== net) this.dropNet();
    this.set({ net, modelId: net.id, loading: false, error: null });
    this.saveUrl();
  }

  /** Studies another image. */
  useSample(sample: Sample): void {
    this.set({ sample });
    this.saveUrl();
  }

  private saveUrl(): void {
    const { modelId, sample } = this.state;
    const own = !PROJECT_MODELS.some((m) => m.id === modelId);
    writeUrlState(URL_KEY, own ? null : { model: modelId, sample: sample?.ref ?? null });
  }
}

/** The page's workbench. */
export const workbench = new Workbench();

/** The network's input for the current sample: a tensor the caller disposes. */
export function sampleTensor(net: ConvNet, sample: Sample): Tensor4D {
  const [height, width, channels] = net.inputShape;
  return toModelInput(sample.image, { height, width, channels: channels === 1 ? 1 : 3, range: net.inputRange });
}
