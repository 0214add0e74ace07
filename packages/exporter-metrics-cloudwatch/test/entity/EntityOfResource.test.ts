import { expect } from 'chai';
import type { Attributes } from '@opentelemetry/api';
import { EntityOfResource } from '../../src/entity/EntityOfResource';
import { entityFromResource } from '../../src/entity/resourceEntity';

describe('EntityOfResource', () => {
  it('asks again while the resource still waits for detected attributes, then remembers', () => {
    let calls = 0;
    const entities = new EntityOfResource((a: Attributes) => {
      calls++;
      return entityFromResource(a);
    }, 250_000);
    const resource: { attributes: Attributes; asyncAttributesPending?: boolean } = {
      attributes: {},
      asyncAttributesPending: true,
    };
    expect(entities.of(resource)).to.equal(undefined);
    resource.attributes = { 'service.name': 'checkout' };
    resource.asyncAttributesPending = false;
    expect(entities.of(resource)?.KeyAttributes).to.deep.equal({
      Type: 'Service',
      Name: 'checkout',
      Environment: 'generic:default',
    });
    entities.of(resource);
    expect(calls).to.equal(2);
  });

  it('hands out a frozen copy, not the object the function returned', () => {
    const returned = { KeyAttributes: { Type: 'Service', Name: 'a', Environment: 'e' }, Attributes: null };
    const entity = new EntityOfResource(() => returned, 250_000).of({ attributes: {} })!;
    expect(entity).to.deep.equal({ KeyAttributes: { Type: 'Service', Name: 'a', Environment: 'e' } });
    expect(entity.KeyAttributes).not.to.equal(returned.KeyAttributes);
    expect(Object.isFrozen(entity.KeyAttributes)).to.equal(true);
  });
});
