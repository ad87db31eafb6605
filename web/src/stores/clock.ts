/** One shared wall clock for "age" columns: ticks once a second while something reads it. */
import { createSignal, getOwner, onCleanup } from 'solid-js';

const [nowMs, setNowMs] = createSignal(Date.now());
let readers = 0;
let timer: ReturnType<typeof setInterval> | undefined;

/** Call inside a component: keeps the clock ticking while the component lives. */
export function useClock(): () => number {
  if (getOwner()) {
    readers++;
    if (readers === 1) {
      setNowMs(Date.now());
      timer = setInterval(() => setNowMs(Date.now()), 1000);
    }
    onCleanup(() => {
      readers--;
      if (readers === 0) clearInterval(timer);
    });
  }
  return nowMs;
}
