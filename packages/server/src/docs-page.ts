// Human-readable API docs at /docs: Swagger UI from the swagger-ui-dist package, served from
// this origin (no CDN), over the same /openapi.json. The initializer is a file, not an inline
// script, so helmet's Content-Security-Policy stays strict (script-src 'self').
import express, { type RequestHandler } from 'express';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const require = createRequire(import.meta.url);

export function docsAssets(): RequestHandler {
  const dir = dirname(require.resolve('swagger-ui-dist/package.json'));
  return express.static(dir, { index: false, fallthrough: false, maxAge: '1h' });
}

export function docsPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Plasticity API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<noscript><p>The API is described in <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). This page renders it with JavaScript.</p></noscript>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;
}

export function docsInit(): string {
  return "window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, tryItOutEnabled: false });\n";
}
