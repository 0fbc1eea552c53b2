/**
 * `k8s FILE --image IMAGE --store s3://...`: prints the Kubernetes Indexed Job that trains the
 * file's runs (or those matching --only), one completion index per run, on an existing cluster
 * (design.md "Command line" and "Scale"); YAML by default, the Job as JSON with --json. The Job is
 * built by harness/k8s/indexed-job.ts; this file checks the command line and the manifest. It
 * touches neither the store nor the cluster: `kubectl apply -f -` does the rest (docs/fan-out.md).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.ts';
import {
  INT32_MAX,
  checkDnsLabel,
  checkDnsSubdomain,
  checkImageManifestPath,
  checkImageReference,
  checkS3Endpoint,
  integerFlag,
  isLoopbackEndpoint,
  parseS3StoreUri,
} from '../k8s/inputs.ts';
import { MAX_INDEXED_COMPLETIONS, buildIndexedJob, isIdentityMapping, maxJobNameLength, shellQuote } from '../k8s/indexed-job.ts';
import { toYaml } from '../k8s/yaml.ts';
import { loadManifestFile } from '../manifest/load.ts';
import { HELP_FLAG, JSON_FLAG, ONLY_FLAG, merged, stringValue } from './flags.ts';
import { parseOnly, selectRuns } from './selection.ts';
import type { CommandSpec } from './types.ts';

/** The tool's folder: the image's working directory (WORKDIR /opt/rigl-harness) holds the same tree. */
export const TOOL_ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));

export const K8S_DEFAULTS = {
  gpus: 1,
  /** At most this many pods at once unless --parallelism says otherwise. */
  parallelism: 8,
  secret: 'rigl-harness-s3',
  backoffLimitPerIndex: 2,
} as const;

/**
 * FILE's path inside the image: its path relative to the tool's folder, which the image copies to
 * its working directory. A file outside that folder is not in the image: --image-manifest names
 * where it is instead.
 */
export function manifestPathInImage(file: string, toolRoot: string = TOOL_ROOT): string {
  const relative = path.relative(toolRoot, path.resolve(file));
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new UsageError(
      `FILE ${JSON.stringify(file)} is outside the tool's folder (${toolRoot}), so the image does not hold it at a known path; put it under manifests/ and rebuild the image, or give its path inside the image with --image-manifest PATH`,
    );
  }
  return relative.split(path.sep).join('/');
}

export const k8sCommand: CommandSpec = {
  name: 'k8s',
  summary: 'print a Kubernetes Indexed Job that trains the runs, one index per run, into an S3 store',
  synopsis:
    'k8s FILE --image IMAGE --store s3://BUCKET/PREFIX [--only FILTER] [--name NAME] [--namespace NS] [--gpus N] [--parallelism N] [--secret NAME] [--s3-endpoint URL] [--backoff-limit-per-index N] [--max-failed-indexes N] [--image-manifest PATH] [--no-download] [--json]',
  flags: [
    { flag: '--image IMAGE', help: 'the trainer image the pods run (required), e.g. registry.example.com/rigl-harness:0.1.0 (Dockerfile)' },
    { flag: '--store s3://BUCKET/PREFIX', help: 'the S3 store where the pods put their runs (required; a local path inside a pod is lost)' },
    ONLY_FLAG.help,
    { flag: '--name NAME', help: "the Job's name (default rigl-<manifest>-<hash of the Job>)" },
    { flag: '--namespace NS', help: "the Job's namespace (default: kubectl's current one)" },
    { flag: '--gpus N', help: `nvidia.com/gpu limit of each pod (default ${K8S_DEFAULTS.gpus}; 0 for the CPU image)` },
    { flag: '--parallelism N', help: `pods at once (default the smaller of the run count and ${K8S_DEFAULTS.parallelism})` },
    { flag: '--secret NAME', help: `the Secret holding AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optionally AWS_SESSION_TOKEN, AWS_REGION (default ${K8S_DEFAULTS.secret})` },
    { flag: '--s3-endpoint URL', help: 'S3-compatible endpoint the pods use, set as AWS_ENDPOINT_URL (default: AWS S3)' },
    { flag: '--backoff-limit-per-index N', help: `retries of an index that exits 3 (I/O) before it fails (default ${K8S_DEFAULTS.backoffLimitPerIndex})` },
    { flag: '--max-failed-indexes N', help: 'fail the whole Job once more than N indexes failed (default: run every index)' },
    { flag: '--image-manifest PATH', help: "FILE's path inside the image (default FILE's path relative to the tool's folder, the image's working directory)" },
    { flag: '--no-download', help: 'do not let pods download missing dataset files (mount them at /data instead)' },
    { flag: '--json', help: 'print the Job as JSON instead of YAML (also accepted by kubectl apply -f -)' },
    HELP_FLAG.help,
  ],
  options: merged(ONLY_FLAG.options, JSON_FLAG.options, HELP_FLAG.options, {
    image: { type: 'string' },
    store: { type: 'string' },
    name: { type: 'string' },
    namespace: { type: 'string' },
    gpus: { type: 'string' },
    parallelism: { type: 'string' },
    secret: { type: 'string' },
    's3-endpoint': { type: 'string' },
    'backoff-limit-per-index': { type: 'string' },
    'max-failed-indexes': { type: 'string' },
    'image-manifest': { type: 'string' },
    'no-download': { type: 'boolean' },
  }),
  positionals: { min: 1, max: 1, name: 'FILE' },
  async run(args, ctx) {
    const file = args.positionals[0]!;
    // The flags first: a usage error should not wait for a large suite to expand.
    const imageFlag = stringValue(args, 'image');
    if (imageFlag === undefined) throw new UsageError('--image is required: the trainer image the pods run (built from Dockerfile), e.g. registry.example.com/rigl-harness:0.1.0');
    const image = checkImageReference('--image', imageFlag);
    const store = parseS3StoreUri('--store', stringValue(args, 'store'));
    const endpointFlag = stringValue(args, 's3-endpoint');
    const s3Endpoint = endpointFlag === undefined ? null : checkS3Endpoint('--s3-endpoint', endpointFlag);
    const namespaceFlag = stringValue(args, 'namespace');
    const namespace = namespaceFlag === undefined ? null : checkDnsLabel('--namespace', namespaceFlag);
    const secretName = checkDnsSubdomain('--secret', stringValue(args, 'secret') ?? K8S_DEFAULTS.secret);
    const gpus = integerFlag('--gpus', stringValue(args, 'gpus'), { min: 0, max: INT32_MAX }, K8S_DEFAULTS.gpus);
    const backoffLimitPerIndex = integerFlag('--backoff-limit-per-index', stringValue(args, 'backoff-limit-per-index'), { min: 0, max: INT32_MAX }, K8S_DEFAULTS.backoffLimitPerIndex);
    const imageManifestFlag = stringValue(args, 'image-manifest');
    const manifestPath = imageManifestFlag === undefined ? manifestPathInImage(file) : checkImageManifestPath('--image-manifest', imageManifestFlag);

    const loaded = await loadManifestFile(file);
    const onlyText = stringValue(args, 'only');
    const only = onlyText === undefined ? null : parseOnly(onlyText, loaded.axes);
    const selected = selectRuns(loaded.runs, { only, index: null, ...(onlyText === undefined ? {} : { onlyText }) });
    const completions = selected.length;
    if (completions > MAX_INDEXED_COMPLETIONS) {
      throw new UsageError(`${loaded.file} selects ${completions} runs; an Indexed Job holds at most ${MAX_INDEXED_COMPLETIONS}: split it with --only`);
    }
    const parallelism = integerFlag('--parallelism', stringValue(args, 'parallelism'), { min: 1, max: MAX_INDEXED_COMPLETIONS }, Math.min(completions, K8S_DEFAULTS.parallelism));
    const maxFailedFlag = stringValue(args, 'max-failed-indexes');
    const maxFailedIndexes = maxFailedFlag === undefined ? null : integerFlag('--max-failed-indexes', maxFailedFlag, { min: 0, max: completions }, 0);
    const nameFlag = stringValue(args, 'name');
    const name = nameFlag === undefined ? null : checkDnsLabel('--name', nameFlag, maxJobNameLength(completions));
    if (s3Endpoint !== null && isLoopbackEndpoint(s3Endpoint)) {
      ctx.log(`warning: --s3-endpoint ${s3Endpoint} names this machine; inside a pod that is the pod itself, so give an address the cluster can reach`);
    }

    const manifestSha256 = createHash('sha256').update(await readFile(file)).digest('hex');
    const planIndices = selected.map((run) => run.index);
    const job = buildIndexedJob({
      name,
      namespace,
      image,
      manifestPath,
      manifestSha256,
      storeUri: store.uri,
      s3Endpoint,
      only: onlyText ?? null,
      planIndices,
      gpus,
      parallelism,
      backoffLimitPerIndex,
      maxFailedIndexes,
      secretName,
      download: args.values['no-download'] !== true,
    });

    const jobName = job.metadata.name;
    const ns = namespace === null ? '' : ` -n ${namespace}`;
    const verify = ['rigl-harness', 'verify', file, ...(onlyText === undefined ? [] : ['--only', onlyText]), '--store', store.uri, ...(s3Endpoint === null ? [] : ['--s3-endpoint', s3Endpoint])]
      .map(shellQuote)
      .join(' ')
      .replace(/[\r\n]+/g, ' ');
    const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;
    const summary = [
      `${loaded.file}: ${completions} of ${plural(loaded.runs.length, 'run')} → Indexed Job ${jobName}: ${plural(completions, 'index', 'indexes')}, ${parallelism} at a time, ${plural(gpus, 'GPU')} each; an index exiting 3 is retried up to ${plural(backoffLimitPerIndex, 'time')}, one exiting 2 or 4 fails at once${isIdentityMapping(planIndices) ? '' : '; a shell in each pod maps its completion index to the plan index'}`,
      `apply:  kubectl apply${ns} -f <this output>`,
      `watch:  kubectl get${ns} job/${jobName} -w   (pods: kubectl get${ns} pods -l job-name=${jobName})`,
      `verify: ${verify}`,
    ].join('\n');
    const header = [
      `# rigl-harness k8s: ${plural(completions, 'run')} of ${manifestPath}${onlyText === undefined ? '' : ` matching --only ${onlyText}`}, one per completion index.`.replace(/[\r\n]+/g, ' '),
      `# Apply with kubectl apply${ns} -f FILE; when the Job is done: ${verify}`,
      '',
    ].join('\n');
    if (ctx.json) return { exitCode: 0, json: job, text: summary };
    ctx.log(summary);
    return { exitCode: 0, json: job, text: `${header}${toYaml(job)}` };
  },
};
