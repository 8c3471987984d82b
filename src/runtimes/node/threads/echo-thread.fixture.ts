/** A thread for start-thread.test.ts: TypeScript that imports a sibling by its `.js` name, as Herald's threads do. */
import { parentPort, workerData } from "node:worker_threads";
import { threadMailbox } from "../net/thread-mailbox.js";

const answer = threadMailbox<string>((batch) => parentPort!.postMessage(batch), Infinity).post;
const prefix: string = (workerData as { prefix: string }).prefix;
parentPort!.on("message", (text: string) => answer(`${prefix}${text}`));
