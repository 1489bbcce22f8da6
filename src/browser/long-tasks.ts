/**
 * Long tasks of the page's main thread, as the Long Tasks API reports them
 * (https://w3c.github.io/longtasks/): every task over 50 ms, whatever ran it.
 * A reader feels a task over 100 ms as a page that does not answer (RAIL's
 * response budget), so the benchmark records, per case, the longest task and
 * how many passed 100 ms. Tasks under 50 ms are not reported by the browser:
 * a case whose tasks all stay under it has no longest task (`null`).
 */

/** The main thread's tasks over 50 ms while a recording ran. */
export interface LongTaskSummary {
  /** The longest task in ms, or null when none passed 50 ms. */
  longestTaskMs: number | null;
  /** Tasks over 50 ms. */
  tasksOver50Ms: number;
  /** Tasks over 100 ms. */
  tasksOver100Ms: number;
}

/** Whether this browser reports long tasks. */
export function longTasksSupported(): boolean {
  return typeof PerformanceObserver !== 'undefined' && PerformanceObserver.supportedEntryTypes.includes('longtask');
}

/**
 * Starts recording long tasks; `stop()` resolves to their summary once the tasks that ended before it was
 * called have been delivered (the browser queues their entries after each task ends).
 */
export function recordLongTasks(): { stop(): Promise<LongTaskSummary> } {
  const durations: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) durations.push(entry.duration);
  });
  observer.observe({ type: 'longtask' });
  return {
    async stop() {
      // One more task, so the entry of the task that called stop() is queued too.
      await new Promise((resolve) => setTimeout(resolve, 0));
      for (const entry of observer.takeRecords()) durations.push(entry.duration);
      observer.disconnect();
      return {
        longestTaskMs: durations.length ? Math.round(Math.max(...durations)) : null,
        tasksOver50Ms: durations.length,
        tasksOver100Ms: durations.filter((d) => d > 100).length,
      };
    },
  };
}

/** Resolves in a new task, without the 4 ms clamp that nested `setTimeout(0)` gets. */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
