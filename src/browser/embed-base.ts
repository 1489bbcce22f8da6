/**
 * The embeddable bundle's asset base: the folder the bundle itself was loaded
 * from, on whatever origin serves it. Imported first by embed.ts, so that it
 * is set before any module computes an asset URL.
 */
import { setDefaultAssetBase } from './assets';

setDefaultAssetBase(new URL(/* @vite-ignore */ './', import.meta.url).href);
