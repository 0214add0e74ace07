import type { Entity } from '@aws-sdk/client-cloudwatch';
import type { Envelope } from '../serializeDatum.js';
import { CborWriter, FALSE, MAJOR_ARRAY, MAJOR_MAP, writeHead } from './CborWriter.js';
import { CBOR_KEYS as KEY } from './writeDatumCbor.js';

/** What surrounds the datums of a CBOR request body. */
export interface CborFrame {
  /** The bytes before the datums of a request of `count` datums (the list's head counts them). */
  head(count: number): Buffer;
  /** The bytes after them. */
  tail: Buffer;
  /** The most bytes `head` answers for any count a request can have. */
  maxHeadBytes: number;
}

/**
 * The PutMetricData input around the datums, in CBOR: `{Namespace, MetricData: [datums]}`, or with an entity
 * `{Namespace, EntityMetricData: [{Entity, MetricData: [datums]}], StrictEntityValidation: false}` — the members
 * the JSON envelope has (see envelope in serializeDatum), as maps of definite length.
 */
export function cborEnvelope(namespace: string, entity?: Entity): Envelope {
  const w = new CborWriter(256);
  w.head(MAJOR_MAP, entity === undefined ? 2 : 3);
  w.raw(KEY.Namespace);
  w.text(namespace);
  let tail = Buffer.alloc(0);
  if (entity !== undefined) {
    w.raw(KEY.EntityMetricData);
    w.head(MAJOR_ARRAY, 1);
    w.head(MAJOR_MAP, 2);
    w.raw(KEY.Entity);
    const attributes = [
      [KEY.KeyAttributes, entity.KeyAttributes],
      [KEY.Attributes, entity.Attributes],
    ] as const;
    w.head(MAJOR_MAP, attributes.filter(([, a]) => a !== undefined).length);
    for (const [key, map] of attributes) {
      if (map === undefined) continue;
      w.raw(key);
      const entries = Object.entries(map);
      w.head(MAJOR_MAP, entries.length);
      for (const [k, v] of entries) {
        w.text(k);
        w.text(v);
      }
    }
    tail = Buffer.concat([KEY.StrictEntityValidation, Buffer.from([FALSE])]);
  }
  w.raw(KEY.MetricData);
  const prefix = Buffer.from(w.buffer.subarray(0, w.at));
  const frame: CborFrame = {
    head: (count) => {
      const head = Buffer.allocUnsafe(prefix.length + 9);
      prefix.copy(head);
      return head.subarray(0, writeHead(head, prefix.length, MAJOR_ARRAY, count));
    },
    tail,
    // A request holds at most 1,000 datums, well under 2^16: a list head of 3 bytes at most.
    maxHeadBytes: prefix.length + 3,
  };
  return {
    head: '',
    tail: '',
    cbor: frame,
    ...(entity === undefined ? {} : { entity, plain: cborEnvelope(namespace) }),
  };
}
