/**
 * The Kubernetes Indexed Job that fans a suite out over a cluster (design.md "Scale"): one
 * completion index per selected run, each pod running `run FILE --index N` against the S3 store,
 * where the runs meet; a final `verify` over that store gives the verdict.
 *
 * Exit codes decide retries (design.md "Exit codes": "A Kubernetes Indexed Job fails an index
 * without retry on 2 and 4 and retries 3"). The podFailurePolicy's rules, first match wins:
 *   1. Ignore a pod the cluster disrupted (preemption, eviction, node drain: condition
 *      DisruptionTarget): not the run's fault, and `run` resumes it from its checkpoint in S3.
 *   2. FailIndex on exit 2 (invalid manifest or usage) and 4 (training failed: NaN loss, missing
 *      kernel): the same pod would fail the same way again.
 *   3. Count exit 3 (I/O, store, checksum): retried, at most backoffLimitPerIndex times. Count,
 *      not Ignore: Ignore retries without bound, and a wrong credential or a deleted bucket also
 *      exits 3 and would then loop for ever. Count is also what a failure matching no rule gets
 *      (70, an OOM kill's 137), so rule 3 only states it.
 * FailIndex needs backoffLimitPerIndex (Kubernetes 1.29+, beta; GA in 1.33) and podFailurePolicy
 * needs restartPolicy Never.
 *
 * The Job's types are kubernetes-models' (a dev dependency: `import type` is erased at run time),
 * so `npm run typecheck` rejects a misspelt field, which the OpenAPI schema alone would let pass.
 */
import { createHash } from 'node:crypto';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IPodFailurePolicyRule } from 'kubernetes-models/batch/v1/PodFailurePolicyRule';
import { ExitCode } from '../errors.ts';

export type { IJob } from 'kubernetes-models/batch/v1/Job';

/** The pod's container; the podFailurePolicy's exit-code rules look at this one only. */
export const CONTAINER_NAME = 'trainer';

/** The CLI inside the image (the ENTRYPOINT of Dockerfile and Dockerfile.cpu; a test checks both). */
export const IMAGE_CLI = ['node', '/opt/rigl-harness/bin/rigl-harness.js'] as const;

/** Exit codes that fail an index at once, and those retried up to backoffLimitPerIndex times. */
export const FAIL_INDEX_EXIT_CODES = [ExitCode.Usage, ExitCode.TrainingFailed] as const;
export const RETRIED_EXIT_CODES = [ExitCode.Io] as const;

/** Kubernetes' limit on an Indexed Job's completions and parallelism (batch validation). */
export const MAX_INDEXED_COMPLETIONS = 100_000;
/** A pod's hostname is `<job name>-<index>`, a DNS label of at most 63 characters. */
export const MAX_HOSTNAME_LENGTH = 63;

/** Seconds between SIGTERM and SIGKILL: `run` checkpoints to S3 on SIGTERM and exits 130. */
export const TERMINATION_GRACE_SECONDS = 120;

/** The credential variables the standard AWS chain reads, each from the Secret key of its name. */
export const SECRET_ENV_KEYS = [
  { name: 'AWS_ACCESS_KEY_ID', optional: false },
  { name: 'AWS_SECRET_ACCESS_KEY', optional: false },
  { name: 'AWS_SESSION_TOKEN', optional: true },
  { name: 'AWS_REGION', optional: true },
] as const;

export const ANNOTATION_PREFIX = 'rigl-harness';

export interface IndexedJobOptions {
  /** The Job's name; null derives one from the manifest path and a hash of the Job. */
  name: string | null;
  namespace: string | null;
  image: string;
  /** The manifest's path as the pod's `run` reads it (relative to the image's working directory). */
  manifestPath: string;
  /** sha256 (hex) of the manifest file's bytes, recorded in an annotation for audits. */
  manifestSha256: string;
  storeUri: string;
  s3Endpoint: string | null;
  /** The --only filter as given, passed on to the pods' `run`; null for none. */
  only: string | null;
  /** Plan indices of the selected runs, in plan order: completion index i trains planIndices[i]. */
  planIndices: readonly number[];
  gpus: number;
  parallelism: number;
  backoffLimitPerIndex: number;
  maxFailedIndexes: number | null;
  secretName: string;
  /** Whether pods download missing dataset files (`run --download`). */
  download: boolean;
}

/** A word for a POSIX shell: bare when it is plainly safe, else single-quoted. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./=:,@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Kubernetes expands `$(VAR)` in a container's command and args and turns `$$` into `$`; a `$`
 * before `(` or `$` in a value of ours is doubled so the pod sees the value as given.
 */
export function escapeKubernetesExpansion(text: string): string {
  return text.replace(/\$(?=[($])/g, '$$$$');
}

/** Whether completion index i runs plan index i for every i (no mapping needed). */
export function isIdentityMapping(planIndices: readonly number[]): boolean {
  return planIndices.every((planIndex, i) => planIndex === i);
}

/** `run`'s flags after FILE and before --index: the store, the filter, downloads. */
function runFlags(o: IndexedJobOptions): string[] {
  return ['--store', o.storeUri, ...(o.only === null ? [] : ['--only', o.only])];
}

/**
 * The container's command. When completion index i is plan index i, the image's entrypoint gets
 * `run FILE ... --index $(JOB_COMPLETION_INDEX)` (Kubernetes substitutes the variable). Otherwise
 * (an --only selection that skips runs) `run --index` still takes a plan index, so a POSIX shell
 * maps the completion index to it, the static work assignment of Kubernetes' Indexed Job docs;
 * `run` gets --only as well and refuses (exit 2, FailIndex) a run that does not match it, which
 * catches an image whose manifest expands differently from the one this Job was made from.
 */
export function containerCommand(o: IndexedJobOptions): Pick<IContainer, 'command' | 'args'> {
  const tail = o.download ? ['--download'] : [];
  if (isIdentityMapping(o.planIndices)) {
    const given = ['run', o.manifestPath, ...runFlags(o)].map(escapeKubernetesExpansion);
    return { args: [...given, '--index', '$(JOB_COMPLETION_INDEX)', ...tail] };
  }
  const cli = [...IMAGE_CLI, 'run', o.manifestPath, ...runFlags(o)].map(shellQuote).join(' ');
  const script = [
    '# Completion index i trains the i-th selected run; these are their plan indices.',
    'set -eu',
    `set -- ${o.planIndices.join(' ')}`,
    'shift "$JOB_COMPLETION_INDEX"',
    `exec ${cli} --index "$1"${tail.map((t) => ` ${t}`).join('')}`,
    '',
  ].join('\n');
  return { command: ['/bin/sh', '-c', escapeKubernetesExpansion(script)] };
}

function secretEnv(secretName: string): IEnvVar[] {
  return SECRET_ENV_KEYS.map(({ name, optional }) => ({
    name,
    valueFrom: { secretKeyRef: { name: secretName, key: name, ...(optional ? { optional: true } : {}) } },
  }));
}

/** The podFailurePolicy rules described at the top of this file, in order. */
export function podFailureRules(): IPodFailurePolicyRule[] {
  return [
    { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
    { action: 'FailIndex', onExitCodes: { containerName: CONTAINER_NAME, operator: 'In', values: [...FAIL_INDEX_EXIT_CODES].sort((a, b) => a - b) } },
    { action: 'Count', onExitCodes: { containerName: CONTAINER_NAME, operator: 'In', values: [...RETRIED_EXIT_CODES].sort((a, b) => a - b) } },
  ];
}

/** Lowercase letters, digits and single '-' from a manifest path: "manifests/a/suite.json" → "a-suite". */
export function slugOfManifestPath(manifestPath: string): string {
  return manifestPath
    .replace(/^(\.\/)?manifests\//, '')
    .replace(/\.json$/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** The longest Job name whose pods' hostnames (`<name>-<largest index>`) fit in a DNS label. */
export function maxJobNameLength(completions: number): number {
  return MAX_HOSTNAME_LENGTH - 1 - String(Math.max(0, completions - 1)).length;
}

/**
 * `rigl-<slug>-<8 hex>`: the hash covers the Job's spec and the manifest's bytes, so applying the
 * same Job twice is a no-op while a changed one (another image, filter or manifest) gets its own
 * name instead of clashing with the immutable pod template of the old one.
 */
export function defaultJobName(manifestPath: string, hashInput: unknown, completions: number): string {
  const hash = createHash('sha256').update(JSON.stringify(hashInput)).digest('hex').slice(0, 8);
  const room = maxJobNameLength(completions) - hash.length - 1;
  const stem = `rigl-${slugOfManifestPath(manifestPath)}`.slice(0, room).replace(/-+$/, '');
  return `${stem}-${hash}`;
}

/** The Indexed Job for `o` (inputs already checked; see harness/commands/k8s.ts). */
export function buildIndexedJob(o: IndexedJobOptions): IJob & { metadata: { name: string }; spec: NonNullable<IJob['spec']> } {
  const completions = o.planIndices.length;
  const container: IContainer = {
    name: CONTAINER_NAME,
    image: o.image,
    ...containerCommand(o),
    env: [...secretEnv(o.secretName), ...(o.s3Endpoint === null ? [] : [{ name: 'AWS_ENDPOINT_URL', value: o.s3Endpoint }])],
    ...(o.gpus > 0 ? { resources: { limits: { 'nvidia.com/gpu': o.gpus } } } : {}),
    securityContext: {
      allowPrivilegeEscalation: false,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
  };
  const spec: NonNullable<IJob['spec']> = {
    completionMode: 'Indexed',
    completions,
    parallelism: o.parallelism,
    backoffLimitPerIndex: o.backoffLimitPerIndex,
    ...(o.maxFailedIndexes === null ? {} : { maxFailedIndexes: o.maxFailedIndexes }),
    podFailurePolicy: { rules: podFailureRules() },
    template: {
      metadata: { labels: { 'app.kubernetes.io/name': 'rigl-harness' } },
      spec: {
        restartPolicy: 'Never',
        automountServiceAccountToken: false,
        terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
        // GPU nodes are often tainted nvidia.com/gpu:NoSchedule; tolerating it only allows them.
        ...(o.gpus > 0 ? { tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] } : {}),
        containers: [container],
      },
    },
  };
  const name = o.name ?? defaultJobName(o.manifestPath, { spec, namespace: o.namespace, manifestSha256: o.manifestSha256 }, completions);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      ...(o.namespace === null ? {} : { namespace: o.namespace }),
      labels: { 'app.kubernetes.io/name': 'rigl-harness' },
      annotations: {
        [`${ANNOTATION_PREFIX}/manifest`]: o.manifestPath,
        [`${ANNOTATION_PREFIX}/manifest-sha256`]: o.manifestSha256,
        ...(o.only === null ? {} : { [`${ANNOTATION_PREFIX}/only`]: o.only }),
        [`${ANNOTATION_PREFIX}/store`]: o.storeUri,
      },
    },
    spec,
  };
}
