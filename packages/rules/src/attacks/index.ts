// Adversarial attacks on trained models: FGSM, PGD (L∞ and L2), random-noise baselines and the
// gradient-free Square attack, with the input gradient from exact backprop, the rule's own
// feedback path, or a transfer surrogate. See docs/attacks.md.
export {
  ATTACKS, GRADIENT_SOURCES, GRADIENT_ATTACKS, AttackError, attackSchema, parseAttackConfig, usesGradient, attackNorm,
  type AttackName, type AttackConfig, type AttackConfigInput, type GradientSourceName,
} from './config.js';
export {
  checkAttackData, predictRows, scoreRows, inputGradRows, lossOf,
  type AttackModel, type AttackData, type GradientOptions,
} from './model.js';
export { squareP, squareSize, squareGeometry } from './square.js';
export { runAttack, type AttackResult, type AttackRunOptions, type AttackProgress } from './run.js';
