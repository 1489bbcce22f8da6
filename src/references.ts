/**
 * The papers the book cites, with links, for the references page. A paper's
 * chapters are not listed here: the page finds them by looking for the
 * title in each chapter's text, so a chapter that cites a paper is credited
 * without editing this file. Every technique's `paper` in the attribution
 * registry is listed here too (tests/core/references.test.ts checks it).
 */

/** One cited work. */
export interface Reference {
  /** Authors as the chapters write them. */
  authors: string;
  /** Title, exactly as the chapters write it, so the page can find where it is cited. */
  title: string;
  /** Where and when it appeared. */
  venue: string;
  year: number;
  /** A stable link: the arXiv abstract, DOI or the publisher's page. */
  url: string;
}

/** Every work cited in the chapters, in no particular order (the page sorts them). */
export const REFERENCES: readonly Reference[] = [
  { authors: 'K. Simonyan, A. Vedaldi, A. Zisserman', title: 'Deep Inside Convolutional Networks: Visualising Image Classification Models and Saliency Maps', venue: 'ICLR Workshop', year: 2014, url: 'https://arxiv.org/abs/1312.6034' },
  { authors: 'M. D. Zeiler, R. Fergus', title: 'Visualizing and Understanding Convolutional Networks', venue: 'ECCV', year: 2014, url: 'https://arxiv.org/abs/1311.2901' },
  { authors: 'J. T. Springenberg, A. Dosovitskiy, T. Brox, M. Riedmiller', title: 'Striving for Simplicity: The All Convolutional Net', venue: 'ICLR Workshop', year: 2015, url: 'https://arxiv.org/abs/1412.6806' },
  { authors: 'J. Adebayo, J. Gilmer, M. Muelly, I. Goodfellow, M. Hardt, B. Kim', title: 'Sanity Checks for Saliency Maps', venue: 'NeurIPS', year: 2018, url: 'https://arxiv.org/abs/1810.03292' },
  { authors: 'W. Nie, Y. Zhang, A. Patel', title: 'A Theoretical Explanation for Perplexing Behaviors of Backpropagation-based Visualizations', venue: 'ICML', year: 2018, url: 'https://arxiv.org/abs/1805.07039' },
  { authors: 'D. Smilkov, N. Thorat, B. Kim, F. Viégas, M. Wattenberg', title: 'SmoothGrad: removing noise by adding noise', venue: 'arXiv', year: 2017, url: 'https://arxiv.org/abs/1706.03825' },
  { authors: 'C. Rother, V. Kolmogorov, A. Blake', title: 'GrabCut: Interactive Foreground Extraction using Iterated Graph Cuts', venue: 'SIGGRAPH', year: 2004, url: 'https://doi.org/10.1145/1015706.1015720' },
  { authors: 'B. Zhou, A. Khosla, A. Lapedriza, A. Oliva, A. Torralba', title: 'Learning Deep Features for Discriminative Localization', venue: 'CVPR', year: 2016, url: 'https://arxiv.org/abs/1512.04150' },
  { authors: 'R. R. Selvaraju, M. Cogswell, A. Das, R. Vedantam, D. Parikh, D. Batra', title: 'Grad-CAM: Visual Explanations from Deep Networks via Gradient-based Localization', venue: 'ICCV', year: 2017, url: 'https://arxiv.org/abs/1610.02391' },
  { authors: 'A. Chattopadhay, A. Sarkar, P. Howlader, V. N. Balasubramanian', title: 'Grad-CAM++: Generalized Gradient-based Visual Explanations for Deep Convolutional Networks', venue: 'WACV', year: 2018, url: 'https://arxiv.org/abs/1710.11063' },
  { authors: 'J. Zhang, S. A. Bargal, Z. Lin, J. Brandt, X. Shen, S. Sclaroff', title: 'Top-down Neural Attention by Excitation Backprop', venue: 'IJCV', year: 2018, url: 'https://arxiv.org/abs/1608.00507' },
  { authors: 'C. Szegedy, W. Zaremba, I. Sutskever, J. Bruna, D. Erhan, I. Goodfellow, R. Fergus', title: 'Intriguing properties of neural networks', venue: 'ICLR', year: 2014, url: 'https://arxiv.org/abs/1312.6199' },
  { authors: 'I. Goodfellow, J. Shlens, C. Szegedy', title: 'Explaining and Harnessing Adversarial Examples', venue: 'ICLR', year: 2015, url: 'https://arxiv.org/abs/1412.6572' },
  { authors: 'A. Kurakin, I. Goodfellow, S. Bengio', title: 'Adversarial examples in the physical world', venue: 'arXiv', year: 2016, url: 'https://arxiv.org/abs/1607.02533' },
  { authors: 'A. Nguyen, J. Yosinski, J. Clune', title: 'Deep Neural Networks are Easily Fooled', venue: 'CVPR', year: 2015, url: 'https://arxiv.org/abs/1412.1897' },
  { authors: 'A. Krizhevsky, I. Sutskever, G. E. Hinton', title: 'ImageNet Classification with Deep Convolutional Neural Networks', venue: 'NeurIPS', year: 2012, url: 'https://papers.nips.cc/paper/4824-imagenet-classification-with-deep-convolutional-neural-networks' },
  { authors: 'R. Girshick, J. Donahue, T. Darrell, J. Malik', title: 'Rich feature hierarchies for accurate object detection and semantic segmentation', venue: 'CVPR', year: 2014, url: 'https://arxiv.org/abs/1311.2524' },
  { authors: 'J. Yosinski, J. Clune, A. Nguyen, T. Fuchs, H. Lipson', title: 'Understanding Neural Networks Through Deep Visualization', venue: 'ICML Deep Learning Workshop', year: 2015, url: 'https://arxiv.org/abs/1506.06579' },
  { authors: 'A. L. Maas, A. Y. Hannun, A. Y. Ng', title: 'Rectifier Nonlinearities Improve Neural Network Acoustic Models', venue: 'ICML', year: 2013, url: 'https://ai.stanford.edu/~amaas/papers/relu_hybrid_icml2013_final.pdf' },
  { authors: 'L. Lu, Y. Shin, Y. Su, G. E. Karniadakis', title: 'Dying ReLU and Initialization: Theory and Numerical Examples', venue: 'arXiv', year: 2019, url: 'https://arxiv.org/abs/1903.06733' },
  { authors: 'A. Araujo, W. Norris, J. Sim', title: 'Computing Receptive Fields of Convolutional Neural Networks', venue: 'Distill', year: 2019, url: 'https://distill.pub/2019/computing-receptive-fields/' },
  { authors: 'K. He, X. Zhang, S. Ren, J. Sun', title: 'Delving Deep into Rectifiers', venue: 'ICCV', year: 2015, url: 'https://arxiv.org/abs/1502.01852' },
  { authors: 'L. van der Maaten, G. Hinton', title: 'Visualizing Data using t-SNE', venue: 'JMLR 9', year: 2008, url: 'https://jmlr.org/papers/v9/vandermaaten08a.html' },
  { authors: 'L. van der Maaten', title: 'Accelerating t-SNE using Tree-Based Algorithms', venue: 'JMLR 15', year: 2014, url: 'https://jmlr.org/papers/v15/vandermaaten14a.html' },
  { authors: 'M. Wattenberg, F. Viégas, I. Johnson', title: 'How to Use t-SNE Effectively', venue: 'Distill', year: 2016, url: 'https://distill.pub/2016/misread-tsne/' },
  { authors: 'A. Nguyen, J. Yosinski, J. Clune', title: 'Multifaceted Feature Visualization', venue: 'ICML Visualization for Deep Learning Workshop', year: 2016, url: 'https://arxiv.org/abs/1602.03616' },
  { authors: 'A. Nguyen, A. Dosovitskiy, J. Yosinski, T. Brox, J. Clune', title: 'Synthesizing the preferred inputs for neurons in neural networks via deep generator networks', venue: 'NeurIPS', year: 2016, url: 'https://arxiv.org/abs/1605.09304' },
  { authors: 'D. P. Kingma, M. Welling', title: 'Auto-Encoding Variational Bayes', venue: 'ICLR', year: 2014, url: 'https://arxiv.org/abs/1312.6114' },
  { authors: 'A. Mahendran, A. Vedaldi', title: 'Understanding Deep Image Representations by Inverting Them', venue: 'CVPR', year: 2015, url: 'https://arxiv.org/abs/1412.0035' },
  { authors: 'A. Mordvintsev, C. Olah, M. Tyka', title: 'Inceptionism: Going Deeper into Neural Networks', venue: 'Google Research blog', year: 2015, url: 'https://research.google/blog/inceptionism-going-deeper-into-neural-networks/' },
  { authors: 'C. Olah, A. Mordvintsev, L. Schubert', title: 'Feature Visualization', venue: 'Distill', year: 2017, url: 'https://distill.pub/2017/feature-visualization/' },
  { authors: 'C. Olah, N. Cammarata, L. Schubert, G. Goh, M. Petrov, S. Carter', title: 'Zoom In: An Introduction to Circuits', venue: 'Distill', year: 2020, url: 'https://distill.pub/2020/circuits/zoom-in/' },
  { authors: 'L. A. Gatys, A. S. Ecker, M. Bethge', title: 'Texture Synthesis Using Convolutional Neural Networks', venue: 'NeurIPS', year: 2015, url: 'https://arxiv.org/abs/1505.07376' },
  { authors: 'L. A. Gatys, A. S. Ecker, M. Bethge', title: 'Image Style Transfer Using Convolutional Neural Networks', venue: 'CVPR', year: 2016, url: 'https://openaccess.thecvf.com/content_cvpr_2016/html/Gatys_Image_Style_Transfer_CVPR_2016_paper.html' },
  { authors: 'L. A. Gatys, A. S. Ecker, M. Bethge, A. Hertzmann, E. Shechtman', title: 'Controlling Perceptual Factors in Neural Style Transfer', venue: 'CVPR', year: 2017, url: 'https://arxiv.org/abs/1611.07865' },
  { authors: 'I. Ustyuzhaninov, W. Brendel, L. A. Gatys, M. Bethge', title: 'What does it take to generate natural textures?', venue: 'ICLR', year: 2017, url: 'https://openreview.net/forum?id=BJhZeLsxx' },
  { authors: 'J. Johnson, A. Alahi, L. Fei-Fei', title: 'Perceptual Losses for Real-Time Style Transfer and Super-Resolution', venue: 'ECCV', year: 2016, url: 'https://arxiv.org/abs/1603.08155' },
  { authors: 'D. Ulyanov, A. Vedaldi, V. Lempitsky', title: 'Instance Normalization: The Missing Ingredient for Fast Stylization', venue: 'arXiv', year: 2016, url: 'https://arxiv.org/abs/1607.08022' },
  { authors: 'V. Dumoulin, J. Shlens, M. Kudlur', title: 'A Learned Representation for Artistic Style', venue: 'ICLR', year: 2017, url: 'https://arxiv.org/abs/1610.07629' },
  { authors: 'A. Odena, V. Dumoulin, C. Olah', title: 'Deconvolution and Checkerboard Artifacts', venue: 'Distill', year: 2016, url: 'https://distill.pub/2016/deconv-checkerboard/' },
  { authors: 'A. A. Efros, T. K. Leung', title: 'Texture Synthesis by Non-parametric Sampling', venue: 'ICCV', year: 1999, url: 'https://doi.org/10.1109/ICCV.1999.790383' },
  { authors: 'L.-Y. Wei, M. Levoy', title: 'Fast Texture Synthesis using Tree-structured Vector Quantization', venue: 'SIGGRAPH', year: 2000, url: 'https://doi.org/10.1145/344779.345009' },
];

const normalise = (text: string) => text.toLowerCase().replace(/[*_\s]+/g, ' ');

/** Whether `body` (a chapter's source text) cites `ref`: its title appears there, whatever the line breaks and emphasis. */
export function cites(body: string, ref: Pick<Reference, 'title'>): boolean {
  return normalise(body).includes(normalise(ref.title));
}
