/**
 * Test helpers (imported by tests only): the two checks a generated Job must pass.
 *
 * 1. The Kubernetes OpenAPI schema, through the maintained kubernetes-models package (4.5.1; its
 *    schema has the Job fields up to Kubernetes 1.32: backoffLimitPerIndex, maxFailedIndexes,
 *    podFailurePolicy with FailIndex, successPolicy, managedBy). It checks types, enums and
 *    required fields, but not unknown fields nor rules across fields.
 * 2. The cross-field rules the API server adds (our reading of k8s.io/kubernetes
 *    pkg/apis/batch/validation/validation.go and core validation, v1.33), which the schema cannot
 *    express: written out here so a Job that the schema accepts but a cluster would refuse fails a
 *    test. Unknown fields are the type checker's job (indexed-job.ts builds an IJob literal).
 */
import { Job } from 'kubernetes-models/batch/v1/Job';
import type { IJob } from './indexed-job.ts';

/** Throws with every schema error when `job` does not match the Job schema. */
export function validateJobSchema(job: unknown): void {
  new Job(job as IJob).validate();
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = (s: string) => s.length <= 253 && s.split('.').every((l) => DNS_LABEL.test(l));
/** Label values: at most 63 characters, alphanumerics with '-', '_', '.' inside. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** Qualified names (label and annotation keys): [DNS-subdomain prefix/]name of at most 63. */
const QUALIFIED_NAME = (s: string) => {
  const [prefix, name] = s.includes('/') ? [s.slice(0, s.lastIndexOf('/')), s.slice(s.lastIndexOf('/') + 1)] : [null, s];
  return (prefix === null || DNS_SUBDOMAIN(prefix)) && name.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name);
};
/** Environment variable names Kubernetes accepts (core validation: printable ASCII, no '='). */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
/** Secret keys: alphanumerics, '-', '_', '.'. */
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/** What the API server would refuse in `job`, one message per problem ([] when none). */
export function apiServerRuleViolations(job: IJob): string[] {
  const problems: string[] = [];
  const spec = job.spec;
  const name = job.metadata?.name;
  if (spec === undefined) return ['spec is missing'];
  if (name === undefined || !DNS_LABEL.test(name)) problems.push(`metadata.name ${JSON.stringify(name)} is not a DNS-1123 label`);
  const indexed = spec.completionMode === 'Indexed';
  const completions = spec.completions ?? null;
  if (indexed) {
    if (completions === null || completions < 0 || completions > 100_000) problems.push(`Indexed completions must be set and within 0..100000, found ${completions}`);
    if ((spec.parallelism ?? 1) > 100_000) problems.push(`Indexed parallelism must be at most 100000, found ${spec.parallelism}`);
    // Pod hostnames are <job name>-<index>, DNS labels of at most 63 characters.
    if (name !== undefined && completions !== null && `${name}-${Math.max(0, completions - 1)}`.length > 63) problems.push(`hostname ${name}-${completions - 1} is longer than 63`);
  }
  if (spec.backoffLimitPerIndex !== undefined && !indexed) problems.push('backoffLimitPerIndex requires completionMode Indexed');
  if (spec.maxFailedIndexes !== undefined) {
    if (spec.backoffLimitPerIndex === undefined) problems.push('maxFailedIndexes requires backoffLimitPerIndex');
    if (completions !== null && spec.maxFailedIndexes > completions) problems.push(`maxFailedIndexes ${spec.maxFailedIndexes} exceeds completions ${completions}`);
    if (spec.maxFailedIndexes > 100_000 || spec.maxFailedIndexes < 0) problems.push(`maxFailedIndexes must be within 0..100000, found ${spec.maxFailedIndexes}`);
  }
  const podSpec = spec.template.spec;
  const containers = podSpec?.containers ?? [];
  const rules = spec.podFailurePolicy?.rules;
  if (rules !== undefined) {
    if (podSpec?.restartPolicy !== 'Never') problems.push(`podFailurePolicy requires restartPolicy Never, found ${podSpec?.restartPolicy}`);
    if (rules.length > 20) problems.push(`podFailurePolicy has ${rules.length} rules; at most 20`);
    for (const [i, rule] of rules.entries()) {
      const where = `podFailurePolicy.rules[${i}]`;
      if ((rule.onExitCodes === undefined) === (rule.onPodConditions === undefined)) problems.push(`${where} needs exactly one of onExitCodes and onPodConditions`);
      if (rule.action === 'FailIndex' && spec.backoffLimitPerIndex === undefined) problems.push(`${where}: FailIndex requires backoffLimitPerIndex`);
      const codes = rule.onExitCodes;
      if (codes !== undefined) {
        const v = codes.values;
        if (v.length === 0 || v.length > 255) problems.push(`${where}.onExitCodes.values has ${v.length} values; 1 to 255 allowed`);
        if (v.some((x, j) => j > 0 && x <= v[j - 1]!)) problems.push(`${where}.onExitCodes.values must be ordered without duplicates: ${v.join(', ')}`);
        if (codes.operator === 'In' && v.includes(0)) problems.push(`${where}.onExitCodes: 0 cannot be used with In`);
        if (codes.containerName !== undefined && !containers.some((c) => c.name === codes.containerName)) problems.push(`${where}.onExitCodes.containerName ${codes.containerName} names no container`);
      }
      for (const pattern of rule.onPodConditions ?? []) {
        if (!['True', 'False', 'Unknown'].includes(pattern.status)) problems.push(`${where}.onPodConditions status ${pattern.status} is not True, False or Unknown`);
      }
    }
  }
  for (const [i, c] of containers.entries()) {
    const where = `containers[${i}]`;
    if (!DNS_LABEL.test(c.name)) problems.push(`${where}.name ${c.name} is not a DNS-1123 label`);
    for (const env of c.env ?? []) {
      if (!ENV_NAME.test(env.name)) problems.push(`${where}.env ${env.name} is not a valid name`);
      if ((env.value !== undefined) === (env.valueFrom !== undefined)) problems.push(`${where}.env ${env.name} needs exactly one of value and valueFrom`);
      const ref = env.valueFrom?.secretKeyRef;
      if (ref !== undefined && (ref.name === undefined || !DNS_SUBDOMAIN(ref.name) || !SECRET_KEY.test(ref.key))) problems.push(`${where}.env ${env.name}: bad secretKeyRef ${JSON.stringify(ref)}`);
    }
    for (const [resource, quantity] of Object.entries(c.resources?.limits ?? {})) {
      // Extended resources (a domain-prefixed name) take whole numbers only.
      if (resource.includes('/') && !(typeof quantity === 'number' ? Number.isInteger(quantity) && quantity >= 0 : /^\d+$/.test(quantity))) {
        problems.push(`${where}.resources.limits ${resource} must be a whole number, found ${quantity}`);
      }
    }
  }
  for (const [where, meta] of [['metadata', job.metadata], ['template.metadata', spec.template.metadata]] as const) {
    for (const [key, value] of Object.entries(meta?.labels ?? {})) {
      if (!QUALIFIED_NAME(key) || value.length > 63 || !LABEL_VALUE.test(value)) problems.push(`${where}.labels ${key}=${value} is not a valid label`);
    }
    for (const key of Object.keys(meta?.annotations ?? {})) if (!QUALIFIED_NAME(key)) problems.push(`${where}.annotations key ${key} is not a qualified name`);
  }
  return problems;
}
