/**
 * The input every figure of a chapter studies: one network and one image,
 * shared by all figures on the page, so that changing the image in one figure
 * changes it in all. The workbench owns the networks it loads and disposes
 * them when the last figure that uses them leaves the page.
 *
 * Images come from the network's own test set (the book's models), from the
 * gallery, or from the reader (file, drop, paste, camera). The choice is kept
 * in the URL, for links, and in the tab's memory (input-memory.ts), so that it
 * carries to the next page.
 */
import type { Mask } from '../core/attribution/maps';
import type { ConvNet } from '../core/convnet';
import { testScene } from '../core/data/scenes';
import { errorMessage } from '../core/errors';
import { type RgbaImage, toModelInput, toRgba } from '../core/image';
import { PROJECT_MODELS, loadProjectModel } from '../core/model-loader';
import type { Tensor4D } from '../core/tf';
import { assetBase, assetUrl } from './assets';
import { getEngine } from './engine';
import { loadGallery, loadGalleryImage } from './gallery';
import { loadImageUrl } from './image-input';
import { recallInput, rememberInput } from './input-memory';
import { readUrlState, rejectUrlState, writeUrlState } from './url-state';

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
/** URL parameter holding the page's input. */
const URL_KEY = 'input';

async function fashionSprite(): Promise<{ canvas: OffscreenCanvas | HTMLCanvasElement; labels: number[]; columns: number; count: number }> {
  const [meta, blob] = await Promise.all([
    fetch(assetUrl('data/fashion-mnist/labels.json')).then((r) => r.json() as Promise<{ labels: number[]; tile: { columns: number }; count: number }>),
    fetch(assetUrl('data/fashion-mnist/images.png')).then((r) => r.blob()),
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
  const scene = testScene(index);
  return {
    image: toRgba({ width: scene.width, height: scene.height, channels: 3, data: scene.data.map((v) => v * 255) }),
    title: `test scene ${index}`,
    label: scene.label,
    mask: { width: scene.width, height: scene.height, data: scene.mask },
    ref: `test:${index}`,
  };
}

/** How the workbench names a reader's own image: it has no reference a link could hold. */
const OWN_IMAGE = 'your image';

/** A sample reference of the URL or of the tab's memory, when it is one the workbench can open. */
function isSampleRef(ref: unknown): ref is string {
  return typeof ref === 'string' && /^(test:\d+|gallery:[\w-]+)$/.test(ref);
}

/** The sample `ref` names for `modelId` (`test:<index>` or `gallery:<id>`), or null when there is none such. */
async function openSample(modelId: string, ref: string): Promise<Sample | null> {
  if (ref.startsWith('test:')) {
    const index = Number(ref.slice(5));
    return index < (await testSetSize(modelId)) ? testSample(modelId, index) : null;
  }
  const entry = (await loadGallery()).find((g) => `gallery:${g.id}` === ref);
  return entry ? { image: await loadGalleryImage(entry), title: entry.title, ref } : null;
}

/** The reader's own image as the tab remembers it (a shrunk copy), or null. */
async function rememberedOwnSample(): Promise<Sample | null> {
  const own = recallInput().own;
  if (!own) return null;
  try {
    return { image: await loadImageUrl(own.png), title: own.title };
  } catch {
    return null;
  }
}

class Workbench extends EventTarget {
  state: WorkbenchState = { modelId: DEFAULT_MODEL, net: null, sample: null, loading: false, error: null };
  private users = 0;
  /** Whether the workbench loaded the current network (and so disposes it), or a picker lent it. */
  private ownsNet = false;
  private run = 0;
  /** Counts the reader's image choices, so that a network that finishes loading keeps one made meanwhile. */
  private picks = 0;
  private started = false;

  private set(patch: Partial<WorkbenchState>): void {
    this.state = { ...this.state, ...patch };
    this.dispatchEvent(new Event('change'));
  }

  /**
   * A figure starts using the workbench; the first one loads the network and image named in the
   * URL, else those the reader chose on an earlier page of this tab, else the defaults. A link's
   * values the workbench cannot use are reported and replaced.
   */
  acquire(): void {
    this.users++;
    if (this.started) return;
    this.started = true;
    const saved = readUrlState(URL_KEY);
    const link = typeof saved === 'object' && saved !== null ? (saved as { model?: unknown; sample?: unknown }) : undefined;
    if (saved !== undefined && !link) rejectUrlState(URL_KEY, "The link's network and image were not understood, so the figures use the defaults.");
    const memory = recallInput();
    const known = (id: unknown): id is string => PROJECT_MODELS.some((m) => m.id === id);
    if (link && link.model !== undefined && !known(link.model)) {
      rejectUrlState(URL_KEY, `The link names the network ${JSON.stringify(link.model)}, which the book does not have, so the figures use another.`);
    }
    if (link && link.sample != null && !isSampleRef(link.sample)) {
      rejectUrlState(URL_KEY, `The link names the image ${JSON.stringify(link.sample)}, which the book cannot open, so the figures use another.`);
    }
    const model = known(link?.model) ? link.model : known(memory.model) ? memory.model : DEFAULT_MODEL;
    const ref = isSampleRef(link?.sample) ? link.sample : link?.model !== undefined ? undefined : memory.sample;
    void this.selectModel(model, ref ?? (memory.own && !link ? OWN_IMAGE : 'test:0'));
  }

  /** A figure stops using it; the last one out disposes the network. */
  release(): void {
    this.users = Math.max(0, this.users - 1);
    if (this.users > 0) return;
    this.dropNet();
    this.state = { ...this.state, net: null, sample: null };
    this.started = false;
  }

  /**
   * Loads one of the book's networks and studies the image `ref` names: a test image, a gallery
   * image, or the reader's own (the one shown, else the tab's copy); by default the image shown
   * now, a test image being taken at the same index from the new network's test set.
   */
  async selectModel(modelId: string, ref: string = this.state.sample?.ref ?? (this.state.sample ? OWN_IMAGE : 'test:0')): Promise<void> {
    const run = ++this.run;
    const shown = this.state.sample;
    const picks = this.picks;
    this.set({ loading: true, error: null, modelId });
    try {
      await getEngine();
      const net = await loadProjectModel(modelId, assetBase());
      let sample = await this.sampleFor(modelId, ref, shown);
      if (!sample) {
        if (ref !== OWN_IMAGE) rejectUrlState(URL_KEY, `The image “${ref}” is not one the book has for ${modelId}, so the figures use test image 0.`);
        sample = await testSample(modelId, 0);
      }
      if (run !== this.run) return net.dispose();
      this.dropNet();
      this.ownsNet = true;
      // An image the reader picked while the network loaded is the one they want.
      this.set({ net, sample: this.picks === picks ? sample : this.state.sample, loading: false });
      this.save();
    } catch (err) {
      if (run === this.run) this.set({ loading: false, error: `The network could not be loaded: ${errorMessage(err)}` });
    }
  }

  /** The sample `ref` names for `modelId`; the image shown is kept when it is the one named (test images differ by model). */
  private async sampleFor(modelId: string, ref: string, shown: Sample | null): Promise<Sample | null> {
    if (ref === OWN_IMAGE) return shown && !shown.ref ? shown : rememberedOwnSample();
    if (shown?.ref === ref && !ref.startsWith('test:')) return shown;
    return openSample(modelId, ref);
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
    this.save();
  }

  /** Studies another image, the reader's choice: later pages of the tab study it too (the picker remembers the reader's own). */
  useSample(sample: Sample): void {
    this.picks++;
    this.set({ sample });
    this.save();
  }

  /** Writes the input to the URL, for a link, and to the tab's memory, for the next page. */
  private save(): void {
    const { modelId, sample } = this.state;
    const own = !PROJECT_MODELS.some((m) => m.id === modelId);
    writeUrlState(URL_KEY, own ? null : { model: modelId, sample: sample?.ref ?? null });
    rememberInput({ ...(own ? {} : { model: modelId }), ...(sample?.ref ? { sample: sample.ref } : {}) });
  }
}

/** The page's workbench. */
export const workbench = new Workbench();

/** The network's input for the current sample: a tensor the caller disposes. */
export function sampleTensor(net: ConvNet, sample: Sample): Tensor4D {
  const [height, width, channels] = net.inputShape;
  return toModelInput(sample.image, { height, width, channels: channels === 1 ? 1 : 3, range: net.inputRange });
}
