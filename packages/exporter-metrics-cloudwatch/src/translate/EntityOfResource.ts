import type { Entity } from '@aws-sdk/client-cloudwatch';
import type { Attributes } from '@opentelemetry/api';
import { report } from '../report.js';
import { entityFromResource, entityProblem } from './resourceEntity.js';

// The values X-Amzn-Failure-Message takes are a handful; anything beyond this many is not worth a line each.
const MAX_FAILURES_REPORTED = 16;

/**
 * The entity of each export's resource (option `entity`), worked out once per resource, and what is said about
 * entities: why a resource goes without one, and what CloudWatch refused (each once).
 */
export class EntityOfResource {
  private last: { resource: object; entity: Entity | undefined } | undefined;
  private readonly said = new Set<string>();

  constructor(private readonly derive: (attributes: Attributes) => Entity | undefined) {}

  /** The entity for a resource's datums, or undefined (they then go without one, as without the option). */
  of(resource: { attributes: Attributes }): Entity | undefined {
    if (this.last?.resource === resource) return this.last.entity;
    let entity: Entity | undefined;
    try {
      entity = this.derive(resource.attributes);
      if (entity === undefined && this.derive === entityFromResource) {
        this.sayOnce(
          'no service',
          'the resource names no service (service.name, a Kubernetes workload or a Lambda function): ' +
            'datums go without an entity',
        );
      }
      const problem = entity === undefined ? undefined : entityProblem(entity);
      if (problem !== undefined) {
        this.sayOnce(`invalid ${problem}`, `the entity is not one CloudWatch takes (${problem}): datums go without it`);
        entity = undefined;
      }
    } catch (err) {
      this.sayOnce(
        'threw',
        `the entity function threw (${(err as Error)?.message ?? String(err)}): datums go without an entity`,
      );
      entity = undefined;
    }
    this.last = { resource, entity };
    return entity;
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
    report('warn', `CloudWatchMetricExporter: ${message}`);
  }
}
