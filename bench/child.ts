/**
 * Child-process entry of the bench (protocol in child-protocol.ts): runs the tfjs cases of one
 * thread count (wasm and native; the cpu cases go with 1 thread), one after another, and prints one result line per case. A failure is one
 * line on stderr and exit code 1. The process then ends by itself (the wasm pool's workers are
 * unref'd, trainers/backends/wasm-threads.ts).
 */
import { describeError } from '../harness/errors.ts';
import { caseById } from './catalogue.ts';
import { formatCaseLine, type ChildRequest } from './child-protocol.ts';
import { isTensorCase, runTensorCase } from './tensor-cases.ts';

async function runRequest(request: ChildRequest): Promise<void> {
  for (const { id, plan } of request.cases) {
    const definition = caseById(id);
    if (!isTensorCase(definition)) throw new RangeError(`bench child: case '${id}' is a ${definition.kind} case, not a tfjs case`);
    if (definition.target.backend !== 'cpu' && definition.target.threads !== request.threads) {
      throw new RangeError(`bench child: case '${id}' needs ${definition.target.backend} with ${definition.target.threads} thread(s) but this process runs ${request.threads}`);
    }
    const result = await runTensorCase(definition, plan, request.seed);
    process.stdout.write(formatCaseLine(result));
  }
}

try {
  await runRequest(JSON.parse(process.argv[2] ?? '') as ChildRequest);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.name : 'Error'}: ${describeError(error)}\n`);
  process.exitCode = 1;
}
