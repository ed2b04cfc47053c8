/**
 * Reads a response body chunk by chunk until it ends or `signal` fires. Each read races the
 * signal instead of trusting fetch to error the stream on abort: with Node 20's fetch, a body read
 * that was pending when the request was aborted was seen to never settle, which hung a whole fetch
 * after one file failed.
 */
export async function* readBody(
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {}); // settled through the race below; never unhandled
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), aborted]);
      if (done) return;
      yield value;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    // Not awaited: cancelling a stuck stream may itself never settle.
    reader.cancel().catch(() => {});
  }
}
