/**
 * Wakes collectors' long polls (GET /api/v1/collectors/{name}/config) when an admin changes their targets.
 *
 * In-process only: a change made through one server replica wakes the polls held by that replica at once;
 * polls held by other replicas notice at their next database re-check (CONFIG_RECHECK_MS). Cross-replica
 * wake-ups through Postgres LISTEN/NOTIFY are a later issue; `notify` is the seam it plugs into.
 */

type Waiter = (version: number) => void;

export class ConfigChanges {
  private readonly waiters = new Map<string, Set<Waiter>>();

  notify(collector: string, configVersion: number): void {
    const set = this.waiters.get(collector);
    if (!set) return;
    for (const w of [...set]) w(configVersion);
  }

  /**
   * Resolves with the new version when `notify` is called for this collector, or with undefined when
   * `timeoutMs` passes or `signal` aborts (the client went away). Subscribe before reading the current
   * version from the database, so a change in between is not missed.
   */
  subscribe(collector: string): { next(timeoutMs: number, signal?: AbortSignal): Promise<number | undefined>; close(): void } {
    let pending: number | undefined;
    let wake: Waiter | undefined;
    const waiter: Waiter = (v) => { if (wake) wake(v); else pending = v; };
    let set = this.waiters.get(collector);
    if (!set) this.waiters.set(collector, (set = new Set()));
    set.add(waiter);
    return {
      next: (timeoutMs, signal) => {
        if (pending !== undefined) {
          const v = pending;
          pending = undefined;
          return Promise.resolve(v);
        }
        return new Promise((resolve) => {
          const finish = (v: number | undefined) => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            wake = undefined;
            resolve(v);
          };
          const onAbort = () => finish(undefined);
          const timer = setTimeout(() => finish(undefined), timeoutMs);
          if (signal?.aborted) return finish(undefined);
          signal?.addEventListener('abort', onAbort, { once: true });
          wake = finish;
        });
      },
      close: () => {
        set.delete(waiter);
        if (set.size === 0 && this.waiters.get(collector) === set) this.waiters.delete(collector);
      },
    };
  }

  get waiting(): number {
    let n = 0;
    for (const s of this.waiters.values()) n += s.size;
    return n;
  }
}

/** One notifier per database handle (per app in tests), without widening the app's dependencies. */
const byDb = new WeakMap<object, ConfigChanges>();
export function configChangesFor(db: object): ConfigChanges {
  let changes = byDb.get(db);
  if (!changes) byDb.set(db, (changes = new ConfigChanges()));
  return changes;
}

/** How often a held long poll re-reads its version from the database (changes made on other replicas). */
export const CONFIG_RECHECK_MS = 5000;
