import { expect } from 'chai';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EXTENSION_NAME, registerInternalExtension } from '../../src/lambda/registerInternalExtension';

describe('registerInternalExtension (against an Extensions API on loopback)', () => {
  /** An Extensions API that holds the registration until `answer` is called, and records what it is asked. */
  async function api() {
    const calls: string[] = [];
    let held: ServerResponse | undefined;
    const server = createServer((req, res) => {
      calls.push(
        `${req.method} ${req.url} ${req.headers['lambda-extension-name'] ?? req.headers['lambda-extension-identifier']}`,
      );
      if (req.url === '/2020-01-01/extension/register') held = res; // answered later, or never
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const answer = () => {
      held!.writeHead(200, { 'lambda-extension-identifier': 'ext-1' });
      held!.end('{}');
    };
    const close = () => {
      server.closeAllConnections();
      server.close();
    };
    return { calls, host, answer, close };
  }

  it('gives up waiting after its timeout, yet still ends Init for a late acceptance', async () => {
    const a = await api();
    try {
      const r = registerInternalExtension(a.host, 100);
      expect(await r.first).to.deep.equal({
        registered: false,
        reason: 'the Extensions API did not answer within 100 ms',
      });
      a.answer();
      expect(await r.final).to.deep.equal({ registered: true });
      for (let i = 0; i < 100 && a.calls.length < 2; i++) await new Promise((res) => setTimeout(res, 10));
      expect(a.calls).to.deep.equal([
        `POST /2020-01-01/extension/register ${EXTENSION_NAME}`,
        'GET /2020-01-01/extension/event/next ext-1',
      ]);
    } finally {
      a.close();
    }
  });

  it('says why, without throwing, when nothing listens or Lambda refuses', async () => {
    const refused = await registerInternalExtension('127.0.0.1:1').first;
    expect(refused.registered).to.equal(false);
    const server = createServer((_req, res) => {
      res.writeHead(403);
      res.end('{"errorType":"Extension.Forbidden"}');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect(await registerInternalExtension(host).first).to.deep.equal({
        registered: false,
        reason: 'Lambda refused the extension (HTTP 403: {"errorType":"Extension.Forbidden"})',
      });
    } finally {
      server.close();
    }
  });
});
