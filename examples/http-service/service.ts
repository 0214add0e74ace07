import type { Meter } from '@opentelemetry/api';
import { createServer, request, type Server } from 'node:http';

/** Routes of the toy shop, with the latency (median ms, lognormal spread) and error rate each one has. */
export const ROUTES: Record<string, { medianMs: number; sigma: number; errorRate: number; method: string }> = {
  '/api/products': { medianMs: 8, sigma: 0.5, errorRate: 0.001, method: 'GET' },
  '/api/cart': { medianMs: 15, sigma: 0.6, errorRate: 0.005, method: 'POST' },
  '/api/checkout': { medianMs: 45, sigma: 0.8, errorRate: 0.02, method: 'POST' },
  '/api/search': { medianMs: 25, sigma: 1.0, errorRate: 0.01, method: 'GET' },
};

function lognormalMs(median: number, sigma: number): number {
  const z = Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
  return median * Math.exp(sigma * z);
}

export interface RunningService {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the service on a free loopback port. It records, with the given meter: request duration (histogram,
 * ms), active requests (up-down counter), orders placed (counter), response size (histogram, bytes) and a hit
 * ratio per cache (observable gauge). One cache is never looked up, so its ratio is 0/0 = NaN: a realistic bad
 * point, which the exporter drops and reports while the other caches' points go out.
 */
export async function startService(meter: Meter): Promise<RunningService> {
  const duration = meter.createHistogram('http.server.request.duration', {
    unit: 'ms',
    description: 'Time to answer a request',
  });
  const active = meter.createUpDownCounter('http.server.active_requests', { unit: '{request}' });
  const orders = meter.createCounter('shop.orders.placed', { unit: '{order}' });
  const bodySize = meter.createHistogram('http.server.response.body.size', { unit: 'By' });
  const caches: Record<string, { hits: number; lookups: number }> = {
    products: { hits: 0, lookups: 0 },
    search: { hits: 0, lookups: 0 },
    recommendations: { hits: 0, lookups: 0 }, // no route uses it yet
  };
  meter.createObservableGauge('shop.cache.hit_ratio', { unit: '1' }).addCallback((r) => {
    for (const [cache, c] of Object.entries(caches)) r.observe(c.hits / c.lookups, { cache });
  });

  const server: Server = createServer((req, res) => {
    const started = performance.now();
    const route = (req.url ?? '/').split('?')[0]!;
    const spec = ROUTES[route];
    active.add(1, { 'http.route': route });
    const finish = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
      const attrs = {
        'http.route': route,
        'http.request.method': req.method ?? 'GET',
        'http.response.status_code': status,
      };
      duration.record(performance.now() - started, attrs);
      bodySize.record(Buffer.byteLength(body), { 'http.route': route });
      active.add(-1, { 'http.route': route });
    };
    req.resume();
    if (!spec) {
      finish(404, '{"error":"not found"}');
      return;
    }
    const cache = route === '/api/search' ? caches['search']! : caches['products']!;
    cache.lookups++;
    if (Math.random() < 0.8) cache.hits++;
    setTimeout(
      () => {
        if (Math.random() < spec.errorRate) return finish(500, '{"error":"internal"}');
        if (route === '/api/checkout') orders.add(1, { 'payment.method': Math.random() < 0.7 ? 'card' : 'wallet' });
        finish(
          200,
          JSON.stringify({ ok: true, items: Array.from({ length: Math.floor(Math.random() * 20) }, (_, i) => i) }),
        );
      },
      lognormalMs(spec.medianMs, spec.sigma),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Sends requests to the service from `clients` concurrent loops until `until` (epoch ms). Returns the count. */
export async function generateLoad(url: string, until: number, clients = 8, onRequest?: () => void): Promise<number> {
  const routes = Object.keys(ROUTES);
  const weights = [0.45, 0.25, 0.1, 0.2];
  let sent = 0;
  const pick = () => {
    let x = Math.random();
    for (let i = 0; i < routes.length; i++) if ((x -= weights[i]!) < 0) return routes[i]!;
    return routes[0]!;
  };
  const loop = async () => {
    while (Date.now() < until) {
      const route = Math.random() < 0.01 ? '/missing' : pick();
      const method = ROUTES[route]?.method ?? 'GET';
      await new Promise<void>((resolve) => {
        const req = request(`${url}${route}`, { method }, (res) => res.resume().once('end', resolve));
        req.once('error', () => resolve());
        req.end();
      });
      sent++;
      onRequest?.();
    }
  };
  await Promise.all(Array.from({ length: clients }, loop));
  return sent;
}
