// Live streams for subscriptions: the newest of a series of pushed values, so a slow reader never falls behind.

/** Subscribes at once and yields each value pushed through `subscribe` (values that arrive while the reader is busy
 * collapse into the newest) until `signal` aborts. `subscribe` returns its unsubscribe; `first`, when given, is
 * yielded before anything is pushed. */
export function latest<T>(subscribe: (push: (v: T) => void) => () => void, signal: AbortSignal | undefined, first?: { value: T }): AsyncGenerator<T> {
  let pending = first;
  let wake: (() => void) | undefined;
  let unsubscribe: (() => void) | undefined = subscribe((value) => {
    pending = { value };
    wake?.();
  });
  const end = () => {
    unsubscribe?.();
    unsubscribe = undefined;
    signal?.removeEventListener("abort", onAbort);
  };
  // an abort before the reader ever started must not leave the subscription behind
  const onAbort = () => (end(), wake?.());
  signal?.addEventListener("abort", onAbort);
  return (async function* () {
    try {
      while (!signal?.aborted) {
        if (pending) {
          const { value } = pending;
          pending = undefined;
          yield value;
        } else await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    } finally {
      end();
    }
  })();
}
