// aSTDP's public surface: the rule (registered in ../index.ts), generation, image grids and the
// relaxation dynamics (for measuring steps to converge).
export { astdpRule, freePhase, type AstdpOptions, type AstdpState } from './rule.js';
export { generate, GenerateError, type GenerateOptions, type GeneratedImages } from './generate.js';
export { imageGridPng, imageGridBlocks, writeImageGrid, type ImageGridOptions } from './images.js';
export { SymmetricNet, type Relaxation, type PhaseOptions, type PhaseResult, type TopMode } from './dynamics.js';
