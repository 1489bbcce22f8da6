/**
 * Entry of the embeddable bundle (`npm run build:embed`, vite.embed.config.mjs):
 * one ES module that a plain HTML page on any origin includes with
 *
 * ```html
 * <script type="module" src="https://example.org/convnet/cnn-elements.js"></script>
 * <cnn-relu-backward forward="[[1,-1],[2,-5]]" upstream="[[-2,3],[6,-3]]"></cnn-relu-backward>
 * ```
 *
 * Models, test sets, gallery images and WASM binaries are fetched from the
 * bundle's own folder, or from `<meta name="cnn-asset-base" content="…">`.
 * The order of the two imports matters: the base is set before the elements'
 * modules run.
 */
import './embed-base';
import './embed-elements';
