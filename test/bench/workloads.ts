import type { MetricDatum } from '@aws-sdk/client-cloudwatch';

/** Realistic counter datums: 3–6 dimensions drawn from small vocabularies, as HTTP services produce. */
export function counterDatums(n: number, seed = 1): MetricDatum[] {
  let s = seed;
  const r = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const routes = ['/api/orders', '/api/orders/{id}', '/api/cart', '/api/users/{id}', '/health', '/api/payments'];
  const methods = ['GET', 'POST', 'PUT', 'DELETE'];
  const codes = ['200', '201', '204', '400', '404', '500'];
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => {
    const dims = [
      { Name: 'service.name', Value: 'checkout' },
      { Name: 'http.route', Value: routes[Math.floor(r() * routes.length)]! },
      { Name: 'http.request.method', Value: methods[Math.floor(r() * methods.length)]! },
    ];
    if (i % 4 > 0) dims.push({ Name: 'http.response.status_code', Value: codes[Math.floor(r() * codes.length)]! });
    if (i % 4 > 1) dims.push({ Name: 'customer.tier', Value: `tier-${i % 3}` });
    if (i % 4 > 2) dims.push({ Name: 'instance', Value: `i-${(i % 50).toString(16).padStart(8, '0')}` });
    return {
      MetricName: 'http.server.requests',
      Dimensions: dims,
      Timestamp: new Date(now),
      Value: Math.floor(r() * 500),
      Unit: 'Count',
    };
  });
}
