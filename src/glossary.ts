/**
 * The glossary: the book's terms, each defined in a sentence or two and
 * linked to the chapter that explains it, for readers who meet a term out of
 * order.
 */

/** One glossary entry. */
export interface GlossaryTerm {
  term: string;
  definition: string;
  /** Slug of the chapter that explains the term (the file name without its "NN-" prefix). */
  chapter: string;
}

/** Every term, in no particular order (the page sorts them). */
export const GLOSSARY: readonly GlossaryTerm[] = [
  { term: 'ReLU', definition: 'The rectified linear unit, max(x, 0), applied element by element; its derivative is 1 where the input was positive and 0 elsewhere.', chapter: 'relu-backward' },
  { term: 'Upstream gradient', definition: 'The signal R = ∂L/∂y arriving at a layer from the layers above during a backward pass.', chapter: 'relu-backward' },
  { term: 'Backpropagation', definition: 'The chain rule applied layer by layer from an output down to the input; at a ReLU it passes R where the forward input was positive.', chapter: 'relu-backward' },
  { term: 'Deconvnet', definition: 'Zeiler and Fergus’s reconstruction of an input from a feature; at a ReLU it passes R where R itself is positive, ignoring the forward input.', chapter: 'relu-backward' },
  { term: 'Guided backpropagation', definition: 'A backward pass that, at every ReLU, passes R only where both the forward input and R are positive; sharp maps that depend little on the class.', chapter: 'relu-backward' },
  { term: 'Logit', definition: 'A class score before the softmax. The book explains logits, because a probability can also rise when the other classes fall.', chapter: 'networks' },
  { term: 'Global average pooling', definition: 'Averaging each feature map over all its positions, giving one number per channel; with one dense layer after it, it makes CAM possible.', chapter: 'networks' },
  { term: 'Feature map', definition: 'One channel of a layer’s output: how strongly one filter responds at each position of the image.', chapter: 'filters-and-activations' },
  { term: 'Luma', definition: 'The grey value of a colour, y = 0.299 r + 0.587 g + 0.114 b (ITU-R BT.601), the input of a greyscale network.', chapter: 'images' },
  { term: 'Saliency map', definition: 'The largest absolute derivative of a class logit over each pixel’s colour channels: which pixels the score is most sensitive to.', chapter: 'saliency' },
  { term: 'SmoothGrad', definition: 'A gradient map averaged over noisy copies of the image, which removes much of the noise of plain gradients; a wrapper around any gradient method.', chapter: 'saliency' },
  { term: 'GrabCut', definition: 'An image segmentation by graph cuts over colour models of foreground and background; seeded by a saliency map, it cuts out the object.', chapter: 'saliency' },
  { term: 'CAM', definition: 'Class activation map: the last feature maps weighted by the dense layer’s weights of a class, for networks ending in global average pooling and one dense layer.', chapter: 'class-activation-maps' },
  { term: 'Grad-CAM', definition: 'A class map of any convolution layer: its feature maps weighted by the spatial average of the logit’s gradient, then rectified.', chapter: 'class-activation-maps' },
  { term: 'Guided Grad-CAM', definition: 'Guided backpropagation multiplied, pixel by pixel, by the upsampled Grad-CAM map: fine detail, restricted to the class’s regions.', chapter: 'class-activation-maps' },
  { term: 'Grad-CAM++', definition: 'Grad-CAM whose channel weights weigh each position’s positive gradient, so that small objects and several instances get their share.', chapter: 'class-activation-maps' },
  { term: 'Counterfactual explanation', definition: 'Grad-CAM with the gradient negated: regions whose removal would make the network more confident in the class.', chapter: 'class-activation-maps' },
  { term: 'Adversarial image', definition: 'An image changed imperceptibly, within a budget ε per pixel, so that the network reports another class.', chapter: 'fooling-and-sanity' },
  { term: 'I-FGSM', definition: 'The iterative fast gradient sign method: repeated small steps along the sign of the gradient, clipped to stay within ε of the original image.', chapter: 'fooling-and-sanity' },
  { term: 'Sanity check', definition: 'A test that an explanation depends on what the network learned: randomise the weights and see whether the map changes (rank correlation).', chapter: 'fooling-and-sanity' },
  { term: 'Cascading randomisation', definition: 'Re-initialising a network’s layers one after another from the logits down, comparing the map with the trained network’s at each step.', chapter: 'fooling-and-sanity' },
  { term: 'Receptive field', definition: 'The region of the input that can influence one unit of a layer, given by the kernels, strides, padding and dilations below it.', chapter: 'filters-and-activations' },
  { term: 'Dead filter', definition: 'A filter whose ReLU output is zero for every input seen, so that it passes no signal forward and no gradient back.', chapter: 'filters-and-activations' },
  { term: 'Occlusion map', definition: 'How much a class probability or an activation drops when a patch of the image is covered, for every position of the patch.', chapter: 'occlusion-and-feature-space' },
  { term: 't-SNE', definition: 'A non-linear map of high-dimensional points to the plane that keeps near neighbours near; distances between far clusters mean little.', chapter: 'occlusion-and-feature-space' },
  { term: 'Feature visualisation', definition: 'An image optimised to excite a unit, a channel or a class, starting from noise, with transforms and a parameterisation that keep it natural.', chapter: 'images-by-optimisation' },
  { term: 'Circuit', definition: 'A unit together with the channels of the previous layer it reads and the weights that connect them: channels with large positive weights excite it, large negative ones inhibit it (Olah et al. 2020).', chapter: 'images-by-optimisation' },
  { term: 'Generator', definition: 'A network G that maps a short code z to an image, trained to draw images like its data set (here a VAE’s decoder); optimising its code instead of the pixels keeps every image one it can draw (Nguyen et al. 2016).', chapter: 'images-by-optimisation' },
  { term: 'Latent code', definition: 'The few numbers z a generator turns into an image; a VAE’s codes follow the standard normal distribution N(0, I), so codes within a few standard deviations of zero are ones its decoder was trained on.', chapter: 'images-by-optimisation' },
  { term: 'Gram matrix', definition: 'The inner products of a layer’s channels over all positions, G = F Fᵀ (here divided by the number of positions): which features occur together, wherever they are, a texture’s statistics without its layout.', chapter: 'style-transfer' },
  { term: 'Style transfer', definition: 'An image optimised to keep a photograph’s deep features (content) while matching the Gram matrices of a painting or texture (style), with a smoothness penalty (Gatys et al. 2016).', chapter: 'style-transfer' },
  { term: 'Fast style transfer', definition: 'A feed-forward network trained once, with the content and style losses of style transfer, to stylise any picture in a single pass instead of an optimisation per picture (Johnson et al. 2016).', chapter: 'style-transfer' },
  { term: 'Instance normalisation', definition: 'Normalising each channel of each image by its own mean and variance over the positions, then scaling by γ and shifting by β; unlike batch normalisation, the same at training and test time and independent of the rest of the batch (Ulyanov et al. 2016).', chapter: 'style-transfer' },
  { term: 'Conditional instance normalisation', definition: 'Instance normalisation with one γ and β per style, the rest of the network shared; weighted sums of the styles’ γ and β blend the styles (Dumoulin et al. 2017).', chapter: 'style-transfer' },
  { term: 'Texture synthesis', definition: 'Making a new image that looks like the same texture as a sample without repeating it; non-parametric methods copy pixels from the places of the sample whose neighbourhoods match (Efros and Leung 1999).', chapter: 'texture-synthesis' },
  { term: 'TSVQ', definition: 'Tree-structured vector quantisation: a tree whose nodes split a set of vectors in two by their nearest centre, so that a query descends to a small leaf in a number of comparisons that grows with the logarithm of the set; Wei and Levoy (2000) find a texture neighbourhood’s match with it.', chapter: 'texture-synthesis' },
];
