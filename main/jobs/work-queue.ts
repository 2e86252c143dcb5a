/**
 * The job service's FIFO of waiting work (runs and defense jobs alike): work starts in the order it was
 * queued, while fewer than `maxConcurrent` worker slots are busy. Who holds a slot is the caller's to count.
 */

export interface WorkQueueOptions<Entry> {
  /** Read at every pump: the limit may change (remote workers come and go). */
  maxConcurrent: () => number;
  /** Worker slots currently held (runs training or waiting for pre-trained weights, defense jobs). */
  busySlots: () => number;
  /** Starts one entry; the caller calls pump() again when its slot frees up. */
  start: (entry: Entry) => void;
}

export interface WorkQueue<Entry> {
  /** Queues an entry behind every entry queued before it; pump() then starts what fits. */
  push(entry: Entry): void;
  /** Takes a waiting entry out of the queue; false when none matches (it already started, or never queued). */
  remove(matches: (entry: Entry) => boolean): boolean;
  includes(matches: (entry: Entry) => boolean): boolean;
  /** Starts waiting entries while slots are free (after a slot was released). */
  pump(): void;
  /** Wakes idle() waiters when nothing is queued or busy (after a change that freed or dropped work). */
  checkIdle(): void;
  /** Resolves once nothing is queued or busy. */
  idle: () => Promise<void>;
  /** Drops every waiting entry and starts nothing more. */
  close(): void;
  readonly closed: boolean;
}

export function createWorkQueue<Entry>(options: WorkQueueOptions<Entry>): WorkQueue<Entry> {
  const entries: Entry[] = [];
  const idleWaiters: (() => void)[] = [];
  let closed = false;
  const isIdle = () => options.busySlots() === 0 && entries.length === 0;

  const checkIdle = () => {
    if (!isIdle()) return;
    for (const resolve of idleWaiters.splice(0)) resolve();
  };
  const pump = () => {
    while (!closed && options.busySlots() < options.maxConcurrent()) {
      const entry = entries.shift();
      if (entry === undefined) break;
      options.start(entry);
    }
    checkIdle();
  };

  return {
    push(entry) {
      entries.push(entry);
    },
    remove(matches) {
      const at = entries.findIndex(matches);
      if (at < 0) return false;
      entries.splice(at, 1);
      return true;
    },
    includes: (matches) => entries.some(matches),
    pump,
    checkIdle,
    idle: () => (isIdle() ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve))),
    close() {
      closed = true;
      entries.length = 0;
    },
    get closed() {
      return closed;
    },
  };
}
