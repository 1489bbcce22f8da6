/**
 * The chapter's latent-space technique (Nguyen et al. 2016; see latent.ts): a class logit or a channel
 * climbed through the code of the generator trained on the network's data, and, beside it, the same
 * objective climbed in pixel space (Simonyan et al. 2014, class-model.ts) for as many steps, so that the
 * reader sees what the learned prior changes. The run reports both phases' steps in turn, and what each
 * image reached on the objective without its penalty.
 */
import type { ConvNet } from '../convnet';
import { formatNumber } from '../format';
import { tf } from '../tf';
import { CLASS_MODEL_DEFAULTS, type Unit, classModel, unitObjective } from './class-model';
import { type Generator, noGenerator } from './generator';
import { LATENT_DEFAULTS, latentClassModel } from './latent';
import type { OptvisControl, OptvisResult, OptvisTechnique, Settings } from './registry';
import { spatialLayers } from './registry';
import { type RenderResult, type RenderedImage, render } from './render';

const num = (s: Settings, key: string) => Number(s[key]);
const number = (key: string, label: string, min: number, max: number, step: number, value: number): OptvisControl => ({ kind: 'number', key, label, min, max, step, value });

/** What is climbed: a class logit, or a channel's mean activation in a layer. */
function unitOf(net: ConvNet, s: Settings): Unit {
  if (s['target'] !== 'channel') return { kind: 'class', index: num(s, 'class') };
  const layer = String(s['layer']);
  const depth = net.layers.find((l) => l.name === layer)?.outputShape.at(-1) ?? 1;
  return { kind: 'channel', layer, channel: Math.min(num(s, 'channel'), depth - 1) };
}

/** The unit in the formula's words. */
function unitText(net: ConvNet, s: Settings, x: string): string {
  return s['target'] === 'channel' ? `mean a_${s['layer']}[:, :, ${s['channel']}](${x})` : `S_${net.classNames[num(s, 'class')] ?? s['class']}(${x})`;
}

/** The unit's value on an image (no penalty), read back. */
async function score(net: ConvNet, unit: Unit, image: RenderedImage): Promise<number> {
  const objective = unitObjective(unit);
  const value = tf.tidy(() => {
    const x = tf.tensor4d(image.data, [1, image.height, image.width, image.channels]);
    return objective.value({ result: net.forward(x, { capture: objective.capture }), image: x, range: net.inputRange });
  });
  try {
    return (await value.data())[0]!;
  } finally {
    value.dispose();
  }
}

export const latentTechnique: OptvisTechnique = {
  id: 'latent-class-model',
  title: 'Through a learned generator',
  needsImage: false,
  needsGenerator: true,
  controls: (net) => {
    const layers = spatialLayers(net);
    return [
      { kind: 'choice', key: 'target', label: 'Objective', options: [{ value: 'class', label: 'class logit' }, { value: 'channel', label: 'channel of a layer (mean)' }], value: 'class' },
      { kind: 'choice', key: 'class', label: 'Class', options: net.classNames.map((n, i) => ({ value: String(i), label: n })), value: '0' },
      { kind: 'choice', key: 'layer', label: 'Layer', options: layers.map((l) => ({ value: l, label: l })), value: layers[0] ?? '' },
      number('channel', 'Channel', 0, 1023, 1, 0),
      number('lambda', 'λ (penalty on ‖z‖², and on ‖x‖² beside it)', 0, 1, 0.001, LATENT_DEFAULTS.lambda),
      number('learningRate', 'Step on z (Adam)', 0.001, 0.5, 0.001, LATENT_DEFAULTS.learningRate),
      number('bound', 'Code bound b', 0.5, 10, 0.5, LATENT_DEFAULTS.bound),
      number('steps', 'Steps', 1, 500, 1, LATENT_DEFAULTS.steps),
      { kind: 'choice', key: 'compare', label: 'Beside it', options: [{ value: 'pixels', label: 'the same objective in pixel space' }, { value: 'none', label: 'nothing' }], value: 'pixels' },
    ];
  },
  formula: (net, s) => {
    const lambda = formatNumber(num(s, 'lambda'));
    const latent = `arg max_z  ${unitText(net, s, 'G(z)')} − ${lambda}·‖z‖²,  z ∈ [−${formatNumber(num(s, 'bound'))}, ${formatNumber(num(s, 'bound'))}]ᵈ`;
    return s['compare'] === 'pixels' ? `${latent};  beside it arg maxₓ  ${unitText(net, s, 'x')} − ${lambda}·‖x‖²` : latent;
  },
  totalSteps: (s) => num(s, 'steps') * (s['compare'] === 'pixels' ? 2 : 1),
  async run(net, run) {
    const s = run.settings;
    const generator: Generator | null = run.generator ? await run.generator() : null;
    if (!generator) throw new Error(noGenerator(net));
    const unit = unitOf(net, s);
    const [lambda, steps] = [num(s, 'lambda'), num(s, 'steps')];
    const loop = { seed: run.seed, signal: run.signal, pause: run.pause, snapshotEvery: run.snapshotEvery };
    const history: number[] = [];
    const readout: string[] = [];
    const gallery: NonNullable<OptvisResult['gallery']> = [];
    const what = unit.kind === 'class' ? `S_${net.classNames[unit.index] ?? unit.index}` : `mean ${unit.layer}[:, :, ${unit.channel}]`;
    if (s['compare'] === 'pixels') {
      const pixels: RenderResult = await render(net, {
        ...classModel(net, { unit, lambda, steps, learningRate: CLASS_MODEL_DEFAULTS.learningRate, seed: run.seed }),
        ...loop,
        onStep: (step) => run.onStep?.(step),
      });
      history.push(...pixels.history);
      if (pixels.aborted) return { ...pixels, history };
      const reached = await score(net, unit, pixels.image);
      gallery.push({ label: `Pixel space, after ${pixels.history.length} steps: ${what} = ${formatNumber(reached)}`, image: pixels.image });
      readout.push(`Pixel space (Simonyan et al. 2014): ${what} = ${formatNumber(reached)} after ${pixels.history.length} steps.`);
    }
    const offset = history.length;
    const options = latentClassModel(net, generator, { unit, lambda, steps, learningRate: num(s, 'learningRate'), bound: num(s, 'bound'), seed: run.seed });
    const latent = await render(net, { ...options, ...loop, onStep: (step) => run.onStep?.({ ...step, step: offset + step.step }) });
    history.push(...latent.history);
    if (!latent.aborted) {
      const reached = await score(net, unit, latent.image);
      const code = options.finalCode();
      const norm = Math.hypot(...code);
      const bound = num(s, 'bound');
      const atBound = code.filter((v) => Math.abs(v) >= bound - 1e-6).length;
      readout.unshift(
        `Through the generator: ${what} = ${formatNumber(reached)} after ${latent.history.length} steps (the objective went from ${formatNumber(latent.history[0]!)} to ${formatNumber(latent.history.at(-1)!)}); ‖z‖ = ${formatNumber(norm)} (a code drawn from the prior has ‖z‖ ≈ √${code.length} = ${formatNumber(Math.sqrt(code.length))}), ${atBound} of ${code.length} entries at the bound.`,
      );
    }
    return { image: latent.image, history, aborted: latent.aborted, gallery, readout };
  },
};
