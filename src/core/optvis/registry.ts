/**
 * The chapter's optimisation techniques by id, each with the controls a view
 * draws for it, its formula with the current values, and how it runs. A view
 * selects a technique by id and renders its controls generically; nothing
 * switches on the id.
 */
import type { ConvNet } from '../convnet';
import { formatNumber } from '../format';
import type { Tensor4D } from '../tf';
import { CLASS_MODEL_DEFAULTS, type Unit, YOSINSKI_PRESETS, classModel } from './class-model';
import { DREAM_DEFAULTS, deepDream } from './deep-dream';
import { INVERSION_DEFAULTS, featureInversion, layerCode } from './feature-inversion';
import { MULTIFACETED_DEFAULTS, facetOptimisation, facetStarts } from './multifaceted';
import type { ImageSet } from '../features/image-set';
import type { Generator } from './generator';
import { latentTechnique } from './latent-technique';
import { type PauseControl, type RenderResult, type RenderStep, type RenderedImage, render } from './render';

/** A setting's value: a number, or the value of a choice. */
export type SettingValue = number | string;
/** A technique's settings by control key. */
export type Settings = Record<string, SettingValue>;

/** A control a view draws: a number in a range, a choice, or a preset that sets several numbers at once. */
export type OptvisControl =
  | { kind: 'number'; key: string; label: string; min: number; max: number; step: number; value: number }
  | { kind: 'choice'; key: string; label: string; options: { value: string; label: string }[]; value: string }
  | { kind: 'preset'; key: string; label: string; options: { value: string; label: string; sets: Record<string, number> }[]; value: string };

/** What a run gets from the view. */
export interface OptvisRun {
  settings: Settings;
  /** The reader's image at a size (techniques that start from one); the technique disposes it. */
  image?: (height: number, width: number) => Tensor4D;
  /** A set of images the network was tested on (techniques that search one). */
  imageSet?: () => Promise<ImageSet>;
  seed: number;
  signal?: AbortSignal;
  pause?: PauseControl;
  snapshotEvery?: number;
  onStep?: (step: RenderStep) => void | Promise<void>;
  /** The generator trained on the network's data, or null where there is none (techniques that search its code). */
  generator?: () => Promise<Generator | null>;
}

/** What a run leaves: the image, the objective's history, and for some techniques more images to show beside it. */
export interface OptvisResult extends RenderResult {
  gallery?: { label: string; image: RenderedImage }[];
  /** Sentences on what the run reached, for the view's readout. */
  readout?: string[];
}

/** One technique as the chapter's figure shows it. */
export interface OptvisTechnique {
  id: string;
  title: string;
  /** Whether it starts from the reader's image. */
  needsImage: boolean;
  /** Whether it searches the code of the generator trained on the network's data (see {@link OptvisRun.generator}). */
  needsGenerator?: boolean;
  /** The controls for this network, with their defaults. */
  controls(net: ConvNet): OptvisControl[];
  /** The objective in plain text, with the settings' values and the network's names. */
  formula(net: ConvNet, settings: Settings): string;
  /** The total number of steps a run with these settings takes. */
  totalSteps(settings: Settings): number;
  run(net: ConvNet, run: OptvisRun): Promise<OptvisResult>;
}

const num = (s: Settings, key: string) => Number(s[key]);
const number = (key: string, label: string, min: number, max: number, step: number, value: number): OptvisControl => ({ kind: 'number', key, label, min, max, step, value });

/**
 * Layers with feature maps that a unit can be chosen in, last first (the most abstract): the ReLU layers,
 * or, in a network whose convolutions carry their ReLU inside, the convolutions.
 */
export function spatialLayers(net: ConvNet): string[] {
  const relus = net.layers.filter((l) => l.kind === 'relu' && l.outputShape.length === 3).map((l) => l.name);
  return (relus.length ? relus : [...net.convLayers]).reverse();
}
const layerChoice = (net: ConvNet, label: string, preferred?: string): OptvisControl => {
  const layers = spatialLayers(net);
  const value = preferred && layers.includes(preferred) ? preferred : layers[Math.min(1, layers.length - 1)] ?? '';
  return { kind: 'choice', key: 'layer', label, options: layers.map((l) => ({ value: l, label: l })), value };
};

/** The Yosinski et al. 2015 regularisers as controls, with the four published presets and "none". */
function yosinskiControls(): OptvisControl[] {
  const none = CLASS_MODEL_DEFAULTS.regularisers;
  return [
    {
      kind: 'preset',
      key: 'preset',
      label: 'Preset',
      value: 'none',
      options: [
        { value: 'none', label: 'none (Simonyan et al. 2014)', sets: { ...none } },
        ...YOSINSKI_PRESETS.map((p, i) => ({ value: String(i + 1), label: `Table 1, row ${i + 1}`, sets: { ...p } })),
      ],
    },
    number('decay', 'L2 decay θ', 0, 0.5, 0.0001, none.decay),
    number('blurSigma', 'Blur σ (pixels)', 0, 2, 0.1, none.blurSigma),
    number('blurEvery', 'Blur every (steps)', 0, 20, 1, none.blurEvery),
    number('normPercentile', 'Clip small norm (%)', 0, 99, 1, none.normPercentile),
    number('contributionPercentile', 'Clip small contribution (%)', 0, 99, 1, none.contributionPercentile),
  ];
}

const regularisersOf = (s: Settings) => ({
  decay: num(s, 'decay'),
  blurSigma: num(s, 'blurSigma'),
  blurEvery: num(s, 'blurEvery'),
  normPercentile: num(s, 'normPercentile'),
  contributionPercentile: num(s, 'contributionPercentile'),
});

/** The choice of what is optimised (pixels or a decorrelated Fourier image). */
const parameterisationChoice: OptvisControl = {
  kind: 'choice',
  key: 'parameterisation',
  label: 'Optimise',
  options: [
    { value: 'pixels', label: 'pixels' },
    { value: 'fourier', label: 'Fourier image, decorrelated colours, with transforms' },
  ],
  value: 'pixels',
};
const parameterisationOf = (s: Settings) => (s['parameterisation'] === 'fourier' ? 'fourier' : 'pixels');

/** Runs the render options a technique built, with the view's loop controls. */
const withLoop = (run: OptvisRun) => ({ seed: run.seed, signal: run.signal, pause: run.pause, snapshotEvery: run.snapshotEvery, onStep: run.onStep });

const classModelTechnique: OptvisTechnique = {
  id: 'class-model',
  title: 'Class model visualisation',
  needsImage: false,
  controls: (net) => [
    { kind: 'choice', key: 'class', label: 'Class', options: net.classNames.map((n, i) => ({ value: String(i), label: n })), value: '0' },
    number('lambda', 'λ (L2 penalty)', 0, 1, 0.001, CLASS_MODEL_DEFAULTS.lambda),
    number('learningRate', 'Step (fraction of range)', 0.001, 0.1, 0.001, CLASS_MODEL_DEFAULTS.learningRate),
    number('steps', 'Steps', 1, 1000, 1, CLASS_MODEL_DEFAULTS.steps),
    parameterisationChoice,
    ...yosinskiControls(),
  ],
  formula: (net, s) => `arg maxₓ  S_${net.classNames[num(s, 'class')] ?? s['class']}(x) − ${formatNumber(num(s, 'lambda'))}·‖x‖²`,
  totalSteps: (s) => num(s, 'steps'),
  run: (net, run) => {
    const s = run.settings;
    const unit: Unit = { kind: 'class', index: num(s, 'class') };
    const options = classModel(net, { unit, lambda: num(s, 'lambda'), learningRate: num(s, 'learningRate'), steps: num(s, 'steps'), regularisers: regularisersOf(s), seed: run.seed, parameterisation: parameterisationOf(s) });
    return render(net, { ...options, ...withLoop(run) });
  },
};

const unitTechnique: OptvisTechnique = {
  id: 'unit',
  title: 'Activation maximisation of an inner unit',
  needsImage: false,
  controls: (net) => [
    layerChoice(net, 'Layer'),
    number('channel', 'Channel', 0, 1023, 1, 0),
    { kind: 'choice', key: 'scope', label: 'Unit', options: [{ value: 'channel', label: 'whole channel (mean)' }, { value: 'neuron', label: 'one neuron (centre)' }], value: 'channel' },
    number('lambda', 'λ (L2 penalty)', 0, 1, 0.001, CLASS_MODEL_DEFAULTS.lambda),
    number('learningRate', 'Step (fraction of range)', 0.001, 0.1, 0.001, CLASS_MODEL_DEFAULTS.learningRate),
    number('steps', 'Steps', 1, 1000, 1, CLASS_MODEL_DEFAULTS.steps),
    parameterisationChoice,
    ...yosinskiControls(),
  ],
  formula: (_net, s) =>
    `arg maxₓ  ${s['scope'] === 'neuron' ? `a_${s['layer']}[centre, ${s['channel']}](x)` : `mean a_${s['layer']}[:, :, ${s['channel']}](x)`} − ${formatNumber(num(s, 'lambda'))}·‖x‖²`,
  totalSteps: (s) => num(s, 'steps'),
  run: (net, run) => {
    const s = run.settings;
    const layer = String(s['layer']);
    const shape = net.layers.find((l) => l.name === layer)?.outputShape ?? [1, 1, 1];
    const channel = Math.min(num(s, 'channel'), shape[shape.length - 1]! - 1);
    const unit: Unit =
      s['scope'] === 'neuron'
        ? { kind: 'neuron', layer, channel, y: Math.floor(shape[0]! / 2), x: Math.floor(shape[1]! / 2) }
        : { kind: 'channel', layer, channel };
    const options = classModel(net, { unit, lambda: num(s, 'lambda'), learningRate: num(s, 'learningRate'), steps: num(s, 'steps'), regularisers: regularisersOf(s), seed: run.seed, parameterisation: parameterisationOf(s) });
    return render(net, { ...options, ...withLoop(run) });
  },
};

const inversionTechnique: OptvisTechnique = {
  id: 'inversion',
  title: 'Feature inversion',
  needsImage: true,
  controls: (net) => [
    layerChoice(net, 'Code of layer'),
    number('beta', 'β (TV exponent)', 1, 3, 0.1, INVERSION_DEFAULTS.beta),
    number('lambda', 'λ_V (TV weight)', 0, 20, 0.1, INVERSION_DEFAULTS.lambda),
    number('learningRate', 'Learning rate (Adam)', 0.001, 0.1, 0.001, INVERSION_DEFAULTS.learningRate),
    number('steps', 'Steps', 1, 1000, 1, INVERSION_DEFAULTS.steps),
  ],
  formula: (_net, s) => `arg minₓ  ‖Φ(x) − Φ(x₀)‖² / ‖Φ(x₀)‖² + ${formatNumber(num(s, 'lambda'))}·R_V^${formatNumber(num(s, 'beta'))}(x),  Φ = ${s['layer']}`,
  totalSteps: (s) => num(s, 'steps'),
  async run(net, run) {
    const s = run.settings;
    const [h, w] = net.inputShape;
    const image = run.image!(h, w);
    let code;
    try {
      code = await layerCode(net, image, String(s['layer']));
    } finally {
      image.dispose();
    }
    const options = featureInversion(net, { code, beta: num(s, 'beta'), lambda: num(s, 'lambda'), learningRate: num(s, 'learningRate'), steps: num(s, 'steps'), seed: run.seed });
    return render(net, { ...options, ...withLoop(run) });
  },
};

/** Whether the network accepts images of other sizes than its input (no flatten: global pooling only). */
function acceptsAnySize(net: ConvNet): boolean {
  return !net.layers.some((l) => l.kind === 'flatten');
}

const deepDreamTechnique: OptvisTechnique = {
  id: 'deep-dream',
  title: 'DeepDream',
  needsImage: true,
  controls: (net) => {
    const side = net.inputShape[0];
    const sizes = acceptsAnySize(net) ? [side, side * 2, side * 4] : [side];
    return [
      layerChoice(net, 'Layer to amplify', spatialLayers(net)[1]),
      number('octaves', 'Octaves', 1, 5, 1, DREAM_DEFAULTS.octaves),
      number('octaveScale', 'Octave scale', 1.1, 2, 0.1, DREAM_DEFAULTS.octaveScale),
      number('steps', 'Steps per octave', 1, 100, 1, DREAM_DEFAULTS.steps),
      number('stepLevels', 'Step (pixel levels of 255)', 0.1, 10, 0.1, Math.round(DREAM_DEFAULTS.stepSize * 255 * 10) / 10),
      number('jitter', 'Jitter (pixels)', 0, 16, 1, DREAM_DEFAULTS.jitter),
      { kind: 'choice', key: 'size', label: 'Image size', options: sizes.map((n) => ({ value: String(n), label: `${n}×${n}` })), value: String(side) },
    ];
  },
  formula: (_net, s) => `x ← x + η ∇ₓ mean(a_${s['layer']}(x)²) / mean|∇|,  η = ${formatNumber(num(s, 'stepLevels'))}/255, ${s['octaves']} octaves × ${s['steps']} steps`,
  totalSteps: (s) => num(s, 'octaves') * num(s, 'steps'),
  async run(net, run) {
    const s = run.settings;
    const size = Number(s['size']) || net.inputShape[0];
    const image = run.image!(size, size);
    try {
      return await deepDream(
        net,
        image,
        { layer: String(s['layer']), octaves: num(s, 'octaves'), octaveScale: num(s, 'octaveScale'), steps: num(s, 'steps'), stepSize: num(s, 'stepLevels') / 255, jitter: num(s, 'jitter') },
        withLoop(run),
      );
    } finally {
      image.dispose();
    }
  },
};

const multifacetedTechnique: OptvisTechnique = {
  id: 'multifaceted',
  title: 'Multifaceted visualisation',
  needsImage: false,
  controls: (net) => [
    classModelTechnique.controls(net)[0]!,
    number('facets', 'Facets (clusters)', 1, 8, 1, MULTIFACETED_DEFAULTS.facets),
    number('closest', 'Images averaged per start', 1, 20, 1, MULTIFACETED_DEFAULTS.closest),
    number('lambda', 'λ (L2 penalty)', 0, 1, 0.001, CLASS_MODEL_DEFAULTS.lambda),
    number('learningRate', 'Step (fraction of range)', 0.001, 0.1, 0.001, CLASS_MODEL_DEFAULTS.learningRate),
    number('steps', 'Steps per facet', 1, 500, 1, 40),
    ...yosinskiControls(),
  ],
  formula: (net, s) =>
    `for each of ${s['facets']} clusters: start x₀ = mean of its ${s['closest']} central images, then arg maxₓ  S_${net.classNames[num(s, 'class')] ?? s['class']}(x) − ${formatNumber(num(s, 'lambda'))}·‖x‖²`,
  totalSteps: (s) => num(s, 'facets') * num(s, 'steps'),
  async run(net, run) {
    const s = run.settings;
    const unit: Unit = { kind: 'class', index: num(s, 'class') };
    const [height, width, channels] = net.inputShape;
    const history: number[] = [];
    const blank = { image: { width, height, channels, data: new Float32Array(width * height * channels) }, history, aborted: true };
    let starts;
    try {
      starts = await facetStarts(net, await run.imageSet!(), unit, { facets: num(s, 'facets'), closest: num(s, 'closest'), seed: run.seed, ...(run.signal ? { signal: run.signal } : {}) });
    } catch (err) {
      if (run.signal?.aborted) return blank;
      throw err;
    }
    const settings = { unit, lambda: num(s, 'lambda'), learningRate: num(s, 'learningRate'), steps: num(s, 'steps'), regularisers: regularisersOf(s) };
    const gallery: { label: string; image: RenderedImage }[] = [];
    let last: RenderResult = blank;
    for (const [k, start] of starts.entries()) {
      const offset = history.length;
      last = await render(net, {
        ...facetOptimisation(net, start, settings),
        ...withLoop(run),
        onStep: (step) => run.onStep?.({ ...step, step: offset + step.step }),
      });
      history.push(...last.history);
      gallery.push(
        { label: `Facet ${k + 1}: start (mean of ${start.members.length} of ${start.clusterSize} images)`, image: { width, height, channels, data: start.image } },
        { label: `Facet ${k + 1}: after ${last.history.length} steps`, image: last.image },
      );
      if (last.aborted) break;
    }
    return { image: last.image, history, aborted: last.aborted, gallery };
  },
};

/** Every technique of the chapter, by id. */
export const OPTVIS_TECHNIQUES: Record<string, OptvisTechnique> = Object.fromEntries(
  [classModelTechnique, unitTechnique, inversionTechnique, deepDreamTechnique, multifacetedTechnique, latentTechnique].map((t) => [t.id, t]),
);

/** The default settings of a technique on a network: every control's value. */
export function defaultSettings(technique: OptvisTechnique, net: ConvNet): Settings {
  return Object.fromEntries(technique.controls(net).map((c) => [c.key, c.value]));
}

/**
 * Settings read from outside (the URL): known keys only, numbers clamped into their control's range, choices
 * among their options; anything else keeps its default.
 */
export function validSettings(technique: OptvisTechnique, net: ConvNet, given: unknown): Settings {
  const out = defaultSettings(technique, net);
  if (!given || typeof given !== 'object') return out;
  const g = given as Record<string, unknown>;
  for (const c of technique.controls(net)) {
    const v = g[c.key];
    if (c.kind === 'number' && typeof v === 'number' && Number.isFinite(v)) out[c.key] = Math.min(c.max, Math.max(c.min, v));
    else if (c.kind !== 'number' && typeof v === 'string' && c.options.some((o) => o.value === v)) out[c.key] = v;
  }
  return out;
}
