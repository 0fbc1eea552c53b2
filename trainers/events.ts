/**
 * Run events, one JSON object per line of `events.jsonl`, shaped like MLCommons' mllog
 * (`{time_ms, event_type, key, value, metadata}` → `{timeMs, type, key, value, meta}`).
 * Keys are constants here and nowhere else (house-style.md, MLCommons).
 */

export const EventKey = {
  RunStart: 'run_start',
  RunResume: 'run_resume',
  RunStop: 'run_stop',
  EpochStart: 'epoch_start',
  EpochStop: 'epoch_stop',
  TrainLoss: 'train_loss',
  EvalAccuracy: 'eval_accuracy',
  LearningRate: 'learning_rate',
  MaskUpdate: 'mask_update',
  Checkpoint: 'checkpoint',
  Backend: 'backend',
  DatasetVerified: 'dataset_verified',
} as const;
export type EventKey = (typeof EventKey)[keyof typeof EventKey];

/** `point` = a value at one moment; `interval_start` / `interval_end` bracket a span (mllog). */
export type EventType = 'point' | 'interval_start' | 'interval_end';

export interface RunEvent {
  /** Milliseconds since the Unix epoch. */
  timeMs: number;
  type: EventType;
  key: EventKey;
  value: unknown;
  meta: Record<string, unknown>;
}

/** Where the trainer sends events; the harness writes them to events.jsonl in the store. */
export type EventSink = (event: RunEvent) => void;
