import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../commands/main.ts';
import { progressLine } from './progress.ts';

describe('progressLine', () => {
  it('shows the epoch 1-based, the step, loss, accuracy and the time left at the pace so far', () => {
    const line = progressLine({ epoch: 1, epochs: 3, step: 500, totalSteps: 1500, loss: 0.41234, testAccuracy: 83.5, elapsedMs: 20_000 });
    // 20 s for 500 steps → 40 ms a step → 1,000 steps left = 40 s.
    expect(line).toBe('epoch 2/3 step 500/1500 loss 0.4123 test 83.50% (20.0 s, ETA 40.0 s)');
  });

  it('shows no ETA before the first step or after the last', () => {
    expect(progressLine({ epoch: 0, epochs: 1, step: 0, totalSteps: 10, loss: 2.3, testAccuracy: null, elapsedMs: 0 })).not.toContain('ETA');
    expect(progressLine({ epoch: 0, epochs: 1, step: 10, totalSteps: 10, loss: 0.3, testAccuracy: 90, elapsedMs: 1000 })).not.toContain('ETA');
  });
});

describe('progress on a terminal and off it', () => {
  const runOnce = async (stderrIsTerminal: boolean) => {
    const store = await mkdtemp(path.join(tmpdir(), 'rigl-progress-'));
    let stderr = '';
    try {
      const code = await main(['run', 'manifests/examples/run.json', '--store', store], {
        stdout: () => undefined,
        stderr: (t) => (stderr += t),
        env: { RIGL_HARNESS_FAKE_TRAINER: '1' },
        signal: new AbortController().signal,
        stderrIsTerminal,
      });
      return { code, stderr };
    } finally {
      await rm(store, { recursive: true, force: true });
    }
  };

  it('redraws one live line with carriage returns on a terminal, and the next log line replaces it', async () => {
    const { code, stderr } = await runOnce(true);
    expect(code).toBe(0);
    const redraws = stderr.split('\r\x1b[2K').length - 1;
    expect(redraws).toBeGreaterThan(1);
    expect(stderr).toMatch(/\r\x1b\[2K\[1\/1\] run 0 [0-9a-f]{16} epoch 1\/1 step \d+\/\d+ loss/);
    // The outcome line clears the live line instead of being appended to it.
    expect(stderr).toMatch(/\r\x1b\[2K\[1\/1\] run 0 [0-9a-f]{16}: trained/);
  });

  it('writes plain lines, without control characters, when stderr is not a terminal', async () => {
    const { code, stderr } = await runOnce(false);
    expect(code).toBe(0);
    expect(stderr).not.toContain('\x1b');
    expect(stderr).not.toContain('\r');
    expect(stderr).toMatch(/epoch 1\/1 step \d+\/\d+ loss/);
  });
});
