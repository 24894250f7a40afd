export { createRng, type Rng } from './rng.js';
export * from './data/index.js';
export { VERSION } from './version.js';
export { Network, NetworkError, validateNetworkSpec, type DenseLayer, type LayerSpec, type NetworkSpec, type OutputActivation, type Workspace } from './network/network.js';
export { initMatrix, orthogonal, INITIALIZERS, type Initializer } from './network/init.js';
export {
  registerRule, getRule, listRules, parseRuleOptions, RuleDivergenceError,
  type LearningRule, type LossKind, type ParamGrads, type RuleStepInfo, type StepContext,
} from './engine/rule.js';
export { outputError, propagateDown, layerGrads, backpropGrads, backpropInputGrad, makeGrads, disposeGrads } from './engine/backprop.js';
export { Optimizer, learningRate, optimizerSchema, scheduleSchema, type OptimizerConfig, type Schedule } from './engine/optimizer.js';
export { evaluate, infer, metricsFromConfusion, type EvalResult, type Inference } from './engine/evaluate.js';
export {
  train, parseTrainConfig, trainConfigSchema, networkSpecFor, angleDegrees,
  type TrainConfig, type TrainConfigInput, type TrainData, type TrainEvent, type TrainOptions, type TrainResult, type TrainStatus, type EpochStats,
} from './engine/train.js';
export {
  MODEL_FORMAT, MODEL_VERSION, ModelError, makeModel, parseModel, serializeModel, weightsBytes, specOf, networkFromModel, modelFromNetwork,
  type Model, type ModelMeta, type ModelInput, type ModelWeights,
} from './model/format.js';
export { restoreModel, modelFromTraining, type RestoredModel } from './model/restore.js';
export { saveModel, loadModel, writeDirAtomic, writeFileAtomic, MODEL_JSON, WEIGHTS_BIN } from './model/files.js';
export { exportTfjs, saveTfjs, TFJS_WEIGHTS_FILE, type TfjsExport } from './model/tfjs-export.js';
export { bpRule, faRule, dfaRule, signFaRule, microcircuitRule, microcircuitLifRule } from './rules/index.js';
export type { MicrocircuitOptions } from './rules/microcircuit/rule.js';
export type { MicrocircuitLifOptions } from './rules/microcircuit/lif-rule.js';
export { gaitPropRule, itpRule, tpRule, type GaitOptions, type TpOptions, type TargetPropState } from './rules/gait-prop/rule.js';
export * from './rules/astdp/index.js';
export * from './rules/gupta/index.js';
export * from './attacks/index.js';
export * from './report/index.js';
