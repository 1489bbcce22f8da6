/**
 * The book's gallery (public/images/gallery.json, written by
 * scripts/images/build-gallery.py): its manifest, fetched once per page, and
 * its images decoded to RGBA. The image picker shows it; the workbench opens
 * a gallery image a link or an earlier page named.
 */
import { type DecodedImage, loadImageUrl } from './image-input';
import { assetUrl } from './assets';

/** One entry of the gallery manifest. */
export interface GalleryImage {
  id: string;
  file: string;
  title: string;
  kind: 'photo' | 'texture';
  width: number;
  height: number;
  source: string;
  author: string;
  licence: string;
  licenceUrl: string;
}

/** Where the gallery's files are served. */
export const IMAGES_URL = assetUrl('images/');

let request: Promise<GalleryImage[]> | null = null;

/** The gallery manifest, fetched once per page (again after a failure). */
export function loadGallery(): Promise<GalleryImage[]> {
  request ??= fetch(`${IMAGES_URL}gallery.json`)
    .then((res) => {
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return res.json() as Promise<{ images: GalleryImage[] }>;
    })
    .then((json) => json.images)
    .catch((err: unknown) => {
      request = null;
      throw err;
    });
  return request;
}

/** Decodes gallery image `entry`. */
export function loadGalleryImage(entry: GalleryImage, signal?: AbortSignal): Promise<DecodedImage> {
  return loadImageUrl(IMAGES_URL + entry.file, signal);
}
