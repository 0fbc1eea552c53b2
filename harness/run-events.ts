/**
 * events.jsonl writer: the trainer's EventSink is synchronous, the store is not, so events are
 * queued and appended in order by one chain of writes; `flush` waits for it and rethrows a write
 * failure. Besides writing, it keeps what an aborted run's summary needs (the last evaluation, the
 * backend and dataset the trainer reported).
 */
import { EventKey, type EventSink, type RunEvent } from '../trainers/events.ts';
import type { BackendProvenance, DatasetProvenance } from '../trainers/run-summary.ts';
import { encodeText, RUN_FILE, runKey } from './run-store.ts';
import type { Store } from './store/types.ts';

export interface ObservedRun {
  lastTestAccuracy: number | null;
  bestTestAccuracy: number | null;
  lastTrainLoss: number | null;
  maskUpdates: number;
  epochsCompleted: number;
  backend: BackendProvenance | null;
  dataset: DatasetProvenance | null;
  firstEventMs: number | null;
}

export class EventLog {
  private pending: string[] = [];
  private chain: Promise<void> = Promise.resolve();
  private scheduled = false;
  private failure: unknown = null;
  private bytes: number;
  readonly observed: ObservedRun = {
    lastTestAccuracy: null,
    bestTestAccuracy: null,
    lastTrainLoss: null,
    maskUpdates: 0,
    epochsCompleted: 0,
    backend: null,
    dataset: null,
    firstEventMs: null,
  };

  /** @param initialBytes the length of events.jsonl already in the store (a resumed run appends). */
  constructor(
    private readonly store: Store,
    private readonly runId: string,
    initialBytes: number,
    firstEventMs: number | null,
  ) {
    this.bytes = initialBytes;
    this.observed.firstEventMs = firstEventMs;
  }

  readonly sink: EventSink = (event: RunEvent) => {
    this.observe(event);
    this.pending.push(`${JSON.stringify(event)}\n`);
    this.schedule();
  };

  /** Take in events already stored (a resumed run), without writing them again. */
  replay(events: readonly RunEvent[]): void {
    for (const event of events) this.observe(event);
  }

  /** Wait until every event so far is in the store; returns the length of events.jsonl. */
  async flush(): Promise<number> {
    this.schedule();
    await this.chain;
    if (this.failure !== null) throw this.failure;
    return this.bytes;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.chain = this.chain.then(async () => {
      this.scheduled = false;
      const text = this.pending.join('');
      this.pending = [];
      if (text === '' || this.failure !== null) return;
      const bytes = encodeText(text);
      try {
        await this.store.append(runKey(this.runId, RUN_FILE.events), bytes);
        this.bytes += bytes.length;
      } catch (error) {
        this.failure = error;
      }
    });
  }

  private observe(event: RunEvent): void {
    const o = this.observed;
    o.firstEventMs ??= event.timeMs;
    const value = typeof event.value === 'number' ? event.value : null;
    switch (event.key) {
      case EventKey.EvalAccuracy:
        if (value !== null) {
          o.lastTestAccuracy = value;
          o.bestTestAccuracy = o.bestTestAccuracy === null ? value : Math.max(o.bestTestAccuracy, value);
        }
        break;
      case EventKey.TrainLoss:
        if (value !== null) o.lastTrainLoss = value;
        break;
      case EventKey.MaskUpdate:
        o.maskUpdates++;
        break;
      case EventKey.EpochStop:
        o.epochsCompleted++;
        break;
      case EventKey.Backend:
        if (typeof event.meta.name === 'string' && typeof event.meta.version === 'string') o.backend = event.meta as unknown as BackendProvenance;
        break;
      case EventKey.DatasetVerified:
        if (Array.isArray(event.meta.files)) o.dataset = { files: event.meta.files as DatasetProvenance['files'] };
        break;
      default:
        break;
    }
  }
}
