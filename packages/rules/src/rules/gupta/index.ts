export { guptaRule, makePlans, teacherAmplitudes, type GuptaState } from './rule.js';
export { guptaOptionsSchema, HIDDEN_VARIANTS, type GuptaOptions, type GuptaOptionsInput, type HiddenVariant } from './options.js';
export { LayerUpdater, topK, type LayerInputs, type LayerKind, type LayerPlan } from './layers.js';
export { spikeTime, activityOf, stdpKernel, stdpOfActivities, type StdpWindow } from './timing.js';
