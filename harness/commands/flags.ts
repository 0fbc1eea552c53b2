/**
 * Flags shared by several commands, defined once so their help text and parsing agree.
 */
import { UsageError } from '../errors.ts';
import { BACKEND_NAMES } from '../manifest/known-names.ts';
import { DEFAULT_STORE_URI, openStore } from '../store/index.ts';
import type { Store } from '../store/types.ts';
import type { BackendName } from '../../trainers/run-manifest.ts';
import type { OptionsConfig, ParsedCommandLine } from './types.ts';

export const JSON_FLAG = { options: { json: { type: 'boolean' } }, help: { flag: '--json', help: 'print one JSON document on stdout; human text goes to stderr' } } as const;

export const STORE_FLAGS = {
  options: { store: { type: 'string' }, 's3-endpoint': { type: 'string' } },
  help: [
    { flag: '--store URI', help: `results store: a folder, file:// URL or s3://bucket/prefix (default ${DEFAULT_STORE_URI}); runs live under <root>/runs/` },
    { flag: '--s3-endpoint URL', help: 'S3-compatible endpoint for s3:// stores (default AWS_ENDPOINT_URL)' },
  ],
} as const;

export const ONLY_FLAG = {
  options: { only: { type: 'string' } },
  help: { flag: '--only FILTER', help: 'only runs whose axes match every axis=value pair, e.g. method=rigl,distribution=erk,sparsity=0.9' },
} as const;

export const HELP_FLAG = { options: { help: { type: 'boolean', short: 'h' } }, help: { flag: '--help, -h', help: 'show this help' } } as const;

export function stringValue(args: ParsedCommandLine, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function openStoreFrom(args: ParsedCommandLine, env: NodeJS.ProcessEnv): { store: Store; uri: string } {
  const uri = stringValue(args, 'store') ?? DEFAULT_STORE_URI;
  const flag = stringValue(args, 's3-endpoint');
  const endpoint = flag ?? env.AWS_ENDPOINT_URL ?? null;
  return { store: openStore(uri, { s3Endpoint: endpoint, s3EndpointSource: flag === undefined ? 'AWS_ENDPOINT_URL' : '--s3-endpoint' }), uri };
}

export function backendValue(args: ParsedCommandLine): BackendName | null {
  const value = stringValue(args, 'backend');
  if (value === undefined) return null;
  if (!(BACKEND_NAMES as readonly string[]).includes(value)) {
    throw new UsageError(`--backend: expected one of ${BACKEND_NAMES.join(', ')}, found ${JSON.stringify(value)}`);
  }
  return value as BackendName;
}

export function merged(...parts: OptionsConfig[]): OptionsConfig {
  return Object.assign({}, ...parts) as OptionsConfig;
}
