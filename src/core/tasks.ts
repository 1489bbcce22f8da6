/**
 * Keeping long computations from blocking the page: the core's loops give the
 * event loop a turn (painting, input, an abort) between pieces of work, in the
 * browser and in Node.
 */

/**
 * Lets the event loop run between two pieces of work. Not tf.nextFrame: its
 * requestAnimationFrame would add a frame (about 16 ms) to every step.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * For a loop of many short steps that together would be one long task: the
 * returned function yields to the event loop when `budgetMs` or more have
 * passed since it last did, and otherwise returns at once. A yield per step
 * would cost each step a timer's delay (browsers hold a nested zero timeout
 * for 4 ms); a step whose work awaits only settled promises (a WASM or CPU
 * tensor's `data()`) never gives the page a turn without one.
 */
export function taskBudget(budgetMs = 40): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < budgetMs) return;
    await yieldToEventLoop();
    since = performance.now();
  };
}
