/**
 * What a figure needs to offer the reader a class or an inner neuron to
 * explain: the image's class scores and the mean activation of every channel
 * of one layer, from a single forward pass, read back as plain numbers.
 */
import { type ClassScores, type ConvNet, chosenClass } from './convnet';
import { tf, type Tensor, type Tensor2D, type Tensor4D } from './tf';

/** One image's class scores, and the channel means of one layer. */
export interface LayerScores extends ClassScores {
  /** The mean over height and width of each channel of the layer, in channel order. */
  channelMeans: number[];
  /** The channel with the largest mean (the first, on a tie): the neuron explained by default. */
  strongest: number;
}

/**
 * The logits of the first image of `image` and the channel means of `layer`
 * (averaged over every axis but the last), from one forward pass; holds no
 * tensors after, whether the read-back succeeds or not.
 */
export async function layerScores(net: ConvNet, image: Tensor4D, layer: string): Promise<LayerScores> {
  const [logitsT, meansT] = tf.tidy(() => {
    const { logits, activations } = net.forward(image, { capture: [layer] });
    const a = tf.slice(activations[layer]!, 0, 1);
    return [logits, tf.mean(a, a.shape.slice(0, -1).map((_, i) => i))] as [Tensor2D, Tensor];
  });
  try {
    const logits = Array.from((await logitsT.data()).subarray(0, logitsT.shape[1]));
    const channelMeans = Array.from(await meansT.data());
    return {
      logits,
      predicted: logits.indexOf(Math.max(...logits)),
      channelMeans,
      strongest: channelMeans.indexOf(Math.max(...channelMeans)),
    };
  } finally {
    tf.dispose([logitsT, meansT]);
  }
}

/** The channel a control names (an index as text), or the strongest channel when it names none or one out of range. */
export function chosenChannel(choice: string, { channelMeans, strongest }: LayerScores): number {
  return chosenClass(choice, { logits: channelMeans, predicted: strongest });
}
