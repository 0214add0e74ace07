import { expect } from 'chai';
import { envelope, serializeDatum } from '../../src/pack/serializeDatum';
import { sdkBody } from './captureSdkBody';
import { randomDatums } from './randomDatums';
import { translatedDatums } from './translatedDatums';

describe('serializeDatum', () => {
  for (const seed of [1, 2, 3]) {
    it(`writes byte for byte what the AWS SDK writes (random datums, seed ${seed})`, async () => {
      const datums = randomDatums(300, seed);
      const { head, tail } = envelope('My/Namespace "x"');
      const ours = head + datums.map(serializeDatum).join(',') + tail;
      const theirs = await sdkBody('My/Namespace "x"', datums);
      expect(ours).to.equal(theirs);
      expect(Buffer.byteLength(ours)).to.equal(Buffer.byteLength(theirs));
    });
  }
});

describe('the envelope of a request with an entity', () => {
  const entities = [
    { KeyAttributes: { Type: 'Service', Name: 'checkout', Environment: 'eks:prod/shop' } },
    {
      KeyAttributes: { Type: 'Service', Name: 'café "naïve" \\ 用户', Environment: 'generic:default' },
      Attributes: { PlatformType: 'Generic', 'K8s.Namespace': 'ns', Host: 'h-1' },
    },
  ];
  for (const [i, entity] of entities.entries()) {
    it(`writes byte for byte what the AWS SDK writes (entity ${i + 1})`, async () => {
      const datums = randomDatums(50, 7 + i);
      const { head, tail } = envelope('NS', entity);
      expect(head + datums.map(serializeDatum).join(',') + tail).to.equal(await sdkBody('NS', datums, entity));
    });
  }
});

describe('serializeDatum of translated datums', () => {
  it('writes byte for byte what the AWS SDK writes, with the dimensions translation already wrote', async () => {
    const datums = translatedDatums();
    expect(datums).to.have.length(8);
    const { head, tail } = envelope('NS');
    expect(head + datums.map(serializeDatum).join(',') + tail).to.equal(await sdkBody('NS', datums));
  });
});
