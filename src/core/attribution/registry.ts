/**
 * Every attribution method of the chapter "Gradients and class activation
 * maps", by id. Views pick a method here and call `attribute`; nothing
 * switches on the id. A new technique is one file and one line below.
 */
import { camMethod } from './cam';
import { deconvnetMethod } from './deconvnet';
import { counterfactualGradCamMethod, gradCamMethod } from './grad-cam';
import { gradCamPlusPlusMethod } from './grad-cam-plus-plus';
import { guidedBackpropMethod } from './guided-backprop';
import { guidedGradCamMethod } from './guided-grad-cam';
import { saliencyMethod } from './saliency';
import { smoothGrad } from './smooth-grad';
import type { AttributionMethod } from './types';

/** The methods in the order the chapter presents them. */
export const ATTRIBUTION_METHODS = {
  saliency: saliencyMethod,
  'smooth-grad-saliency': smoothGrad(saliencyMethod),
  deconvnet: deconvnetMethod,
  'guided-backprop': guidedBackpropMethod,
  'smooth-grad-guided-backprop': smoothGrad(guidedBackpropMethod),
  cam: camMethod,
  'grad-cam': gradCamMethod,
  'grad-cam-counterfactual': counterfactualGradCamMethod,
  'guided-grad-cam': guidedGradCamMethod,
  'grad-cam-plus-plus': gradCamPlusPlusMethod,
} as const satisfies Record<string, AttributionMethod>;

/** The id of a registered method. */
export type AttributionMethodId = keyof typeof ATTRIBUTION_METHODS;

/** Whether `value` names a registered method (for URL state and element attributes). */
export function isAttributionMethodId(value: unknown): value is AttributionMethodId {
  return typeof value === 'string' && Object.hasOwn(ATTRIBUTION_METHODS, value);
}

/** The ids of the methods a network with these capabilities can run. */
export function methodsFor(capabilities: { cam: boolean; reluRules: boolean }): AttributionMethodId[] {
  return (Object.keys(ATTRIBUTION_METHODS) as AttributionMethodId[]).filter((id) =>
    ((ATTRIBUTION_METHODS[id] as AttributionMethod).requires ?? []).every((c) => capabilities[c]),
  );
}
