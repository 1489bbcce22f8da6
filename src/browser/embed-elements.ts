/**
 * Every `cnn-*` element of the book, defined at once: a page that embeds the
 * bundle places the elements where it likes, and each upgrades as it is parsed
 * or added (the book itself loads them lazily, see load-components.ts).
 */
import.meta.glob('../../components/cnn-*.ts', { eager: true });
