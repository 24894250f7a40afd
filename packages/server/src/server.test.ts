import express from 'express';
import { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { expressServer } from './server.js';

describe('expressServer', () => {
  it('constructs requests and responses on the app prototypes, still Node messages, so Express re-parents nothing', async () => {
    const app = express();
    app.post('/echo', express.json(), (req, res) => {
      res.json({
        reqOnAppProto: Object.getPrototypeOf(req) === app.request,
        resOnAppProto: Object.getPrototypeOf(res) === app.response,
        nodeTypes: req instanceof IncomingMessage && res instanceof ServerResponse,
        app: req.app === app && res.app === app,
        body: req.body as unknown,
        ip: req.ip,
      });
    });
    // What the objects are born as, before Express's own handling re-parents anything.
    const born: boolean[] = [];
    type Handle = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;
    const inner = app as unknown as { handle: Handle };
    const handle = inner.handle.bind(app);
    inner.handle = (req, res, next) => {
      born.push(Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response);
      handle(req, res, next);
    };
    const server = expressServer(app);
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/echo`;
      for (const n of [1, 2]) {
        const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n }) });
        expect(r.status).toBe(200);
        expect(await r.json()).toEqual({ reqOnAppProto: true, resOnAppProto: true, nodeTypes: true, app: true, body: { n }, ip: '127.0.0.1' });
      }
      expect(born).toEqual([true, true]);
    } finally {
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    }
  });
});
