import { expect } from 'chai';
import { DEFAULT_RETRY } from '../../src/defaults';
import { classifyFailure, retryDelay, type FailureKind } from '../../src/send/retryPolicy';

const serviceError = (name: string, status: number, Code = name) =>
  Object.assign(new Error(name), { name, Code, $metadata: { httpStatusCode: status } });
const socketError = (code: string) => Object.assign(new Error(code), { code });

describe('retryPolicy', () => {
  const cases: Array<[string, unknown, boolean, FailureKind]> = [
    ['400 InvalidParameterValue', serviceError('InvalidParameterValue', 400), false, 'invalid'],
    ['413', serviceError('RequestEntityTooLarge', 413), false, 'invalid'],
    ['400 Throttling', serviceError('Throttling', 400), false, 'throttled'],
    ['429', serviceError('TooManyRequestsException', 429), false, 'throttled'],
    ['500 InternalServiceError', serviceError('InternalServiceError', 500), false, 'unavailable'],
    ['503', serviceError('ServiceUnavailable', 503), false, 'unavailable'],
    ['connection refused', socketError('ECONNREFUSED'), false, 'unsent'],
    ['name not resolved', socketError('ENOTFOUND'), false, 'unsent'],
    ['no credentials yet', Object.assign(new Error('x'), { name: 'CredentialsProviderError' }), false, 'unsent'],
    ['connection reset', socketError('ECONNRESET'), false, 'unknown-outcome'],
    ['socket timeout', Object.assign(new Error('t'), { name: 'TimeoutError' }), false, 'unknown-outcome'],
    ['aborted at the deadline', Object.assign(new Error('a'), { name: 'AbortError' }), true, 'unknown-outcome'],
    [
      'given up at the deadline before reaching the HTTP handler',
      Object.assign(new Error('a'), { name: 'AbortError', unsent: true }),
      true,
      'unsent',
    ],
    ['403 AccessDenied', serviceError('AccessDenied', 403), false, 'fatal'],
    ['a string', 'oops', false, 'fatal'],
  ];
  for (const [label, err, aborted, kind] of cases) {
    it(`classifies ${label} as ${kind}`, () => expect(classifyFailure(err, aborted)).to.equal(kind));
  }

  it('waits a random time under an exponential ceiling, five times longer when throttled, never past the cap', () => {
    const top = () => 0.999999;
    expect([1, 2, 3].map((n) => retryDelay(DEFAULT_RETRY, n, 'unavailable', top))).to.deep.equal([99, 199, 399]);
    expect([1, 2, 3].map((n) => retryDelay(DEFAULT_RETRY, n, 'throttled', top))).to.deep.equal([499, 999, 1999]);
    expect(retryDelay(DEFAULT_RETRY, 30, 'throttled', top)).to.equal(19_999);
    expect(retryDelay(DEFAULT_RETRY, 3, 'throttled', () => 0)).to.equal(0);
  });
});
