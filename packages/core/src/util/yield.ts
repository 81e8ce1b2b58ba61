/**
 * Lets the event loop run timers and I/O. Awaiting a tfjs `data()` on the wasm or cpu backend
 * settles in a microtask, so a training loop of such awaits never gives the event loop a turn:
 * a worker's heartbeat, its progress writes and its queue polling would all wait for the whole
 * run. Loops over batches call this once per batch (a few microseconds).
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) =>
    typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0),
  );
}
