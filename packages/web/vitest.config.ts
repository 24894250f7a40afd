import { packageConfig } from '../../vitest.shared.ts';

// Unit tests of the worker engine in Node; the browser tests (Playwright) write web.json.
const config = packageConfig('web-unit');
config.test = { ...config.test, include: ['src/**/*.test.ts'] };
export default config;
