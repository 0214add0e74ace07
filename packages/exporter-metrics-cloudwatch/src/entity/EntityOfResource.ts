import type { Entity } from '@aws-sdk/client-cloudwatch';
import type { Attributes } from '@opentelemetry/api';
import { describeThrown } from '../util/describeThrown.js';
import { report } from '../util/report.js';
import { checkEntity, entityFromResource } from './resourceEntity.js';

// The values X-Amzn-Failure-Message takes are a handful; anything beyond this many is not worth a line each.
const MAX_FAILURES_REPORTED = 16;

/**
 * The entity of each export's resource (option `entity`), worked out once per resource, and what is said about
 * entities: why a resource goes without one, and what CloudWatch refused (each once). Whatever the entity option
 * does — throw, return garbage, return an object it changes later — costs the datums nothing: they go without it.
 */
export class EntityOfResource {
  private last: { resource: object; entity: Entity | undefined } | undefined;
  private readonly said = new Set<string>();

  constructor(
    private readonly derive: (attributes: Attributes) => unknown,
    private readonly maxBytes: number,
  ) {}

  /** The entity for a resource's datums, or undefined (they then go without one, as without the option). */
  of(resource: { attributes: Attributes; asyncAttributesPending?: boolean }): Entity | undefined {
    if (this.last?.resource === resource) return this.last.entity;
    const entity = this.work(resource);
    // A resource still waiting for detected attributes may name its service later: ask again next time.
    if (resource.asyncAttributesPending !== true) this.last = { resource, entity };
    return entity;
  }

  private work(resource: { attributes: Attributes }): Entity | undefined {
    let value: unknown;
    try {
      value = this.derive(resource.attributes);
    } catch (err) {
      this.sayOnce('threw', `the entity function threw (${describeThrown(err)}): datums go without an entity`);
      return undefined;
    }
    if (value === undefined) {
      if (this.derive === entityFromResource) {
        this.sayOnce(
          'no service',
          'the resource names no service (service.name, a Kubernetes workload or a Lambda function): ' +
            'datums go without an entity',
        );
      }
      return undefined;
    }
    const checked = checkEntity(value, this.maxBytes);
    if ('problem' in checked) {
      this.sayOnce(
        `invalid ${checked.problem}`,
        `the entity is not one CloudWatch takes (${checked.problem}): datums go without it`,
      );
      return undefined;
    }
    return checked.entity;
  }

  /** CloudWatch stored a request's datums without its entity, and said why. */
  failed(failure: string, entity: Entity | undefined): void {
    if (this.said.size >= MAX_FAILURES_REPORTED) return;
    this.sayOnce(
      `failure ${failure}`,
      `CloudWatch stored the datums without their entity ${JSON.stringify(entity?.KeyAttributes ?? {})}: ` +
        `X-Amzn-Failure-Message ${JSON.stringify(failure.slice(0, 200))} (counted in getStats().entityFailures)`,
    );
  }

  private sayOnce(key: string, message: string): void {
    if (this.said.has(key)) return;
    this.said.add(key);
    report('warn', message);
  }
}
