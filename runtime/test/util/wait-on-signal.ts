// Child process for deadline.test.ts: waits on nothing but a 50 ms deadline, then says whether it
// fired. An unref'd timer (AbortSignal.timeout) lets the process exit first, printing nothing.
import { deadline } from "../../src/util/deadline.ts";

const signal =
  process.argv[2] === "abort-signal-any"
    ? AbortSignal.any([AbortSignal.timeout(50), new AbortController().signal])
    : deadline(50, new AbortController().signal).signal;
signal.addEventListener("abort", () => console.log(`fired: ${(signal.reason as Error).name}`));
