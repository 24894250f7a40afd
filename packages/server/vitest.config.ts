import { packageConfig } from '../../vitest.shared.ts';

// Vitest hands the resolve conditions to Node for the CommonJS dependencies it does not
// transform; with 'import' among them, Node 20's require(esm) gives Express's router the ESM
// namespace of `is-promise` instead of its function. 'source' alone is what this package needs.
const config = packageConfig('server');
config.resolve = { ...config.resolve, conditions: ['source', 'module', 'default'] };
config.ssr = { ...config.ssr, resolve: { ...config.ssr?.resolve, conditions: ['source', 'module', 'default'] } };
export default config;
