/** taskBudget: a loop of short steps gives the event loop a turn once its budget of work has passed, not before. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { taskBudget, yieldToEventLoop } from '../../src/core/tasks';

/** Whether a timer queued now has run by the time `work` settles, i.e. whether `work` let the event loop run. */
async function letsTimersRun(work: () => Promise<void>): Promise<boolean> {
  let ran = false;
  setTimeout(() => (ran = true), 0);
  await work();
  return ran;
}

afterEach(() => vi.restoreAllMocks());

describe('taskBudget', () => {
  it('returns at once while the budget lasts, and yields once it has passed', async () => {
    let now = 1000;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const giveTurn = taskBudget(40);
    now += 39;
    expect(await letsTimersRun(giveTurn)).toBe(false);
    now += 1;
    expect(await letsTimersRun(giveTurn)).toBe(true);
    // The budget starts again after the yield.
    now += 20;
    expect(await letsTimersRun(giveTurn)).toBe(false);
    now += 20;
    expect(await letsTimersRun(giveTurn)).toBe(true);
  });

  it('yieldToEventLoop lets a queued timer run', async () => {
    expect(await letsTimersRun(yieldToEventLoop)).toBe(true);
  });
});
