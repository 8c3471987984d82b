// @ts-check
/**
 * The WAL checkpoint thread on a disk that keeps it busy (wal-checkpointer.test.ts): the real
 * thread, stalled 1.5 s in every 1.6 s as if each pass waited that long for its fsync.
 */
const stall = new Int32Array(new SharedArrayBuffer(4));
setInterval(() => Atomics.wait(stall, 0, 0, 1500), 1600);
await import("./wal-checkpoint-thread.js");
