/**
 * Which servers a simulated rack holds and which PDU outlets feed them: one rule, used by the physics
 * (site-model.ts planRack), the fault registry (a fault aimed at a server or a spare outlet) and whoever
 * documents the site in a CMDB, so the documented servers are exactly the simulated ones.
 *
 * Server k (1-based) is plugged into outlet k of both PDUs of its rack (feed A and feed B); every outlet
 * after the servers is spare. The first SPARE_OUTLETS_SWITCHED_OFF spare outlets are labelled `spare` and
 * switched off at install; the rest are on with nothing plugged in.
 */
import type { RackSpec } from './types.ts';

/** Typical server draw per power supply pair, to decide how many servers a rack holds. */
export const WATTS_PER_SERVER = 450;
/** Spare outlets right after the servers that are labelled `spare` and switched off at install. */
export const SPARE_OUTLETS_SWITCHED_OFF = 2;

export interface RackServerLayout {
  serverCount: number;
  /** Servers in outlet order; server k is on outlet k of both PDUs of the rack. */
  servers: Array<{ name: string; outlet: number }>;
  /** Outlets (1-based) with no server, in order. */
  spareOutlets: number[];
}

/** `r1-a01`, 3 → `r1-a01-srv03`. */
export function serverName(rackId: string, n: number): string {
  return `${rackId}-srv${String(n).padStart(2, '0')}`;
}

/**
 * The servers of a rack: one per WATTS_PER_SERVER of nominal IT load, at least one, and at most all outlets
 * but two (a rack always keeps spare outlets). Pure: the same rack gives the same layout.
 */
export function rackServerLayout(rack: Pick<RackSpec, 'id' | 'itLoadW' | 'outletsPerPdu'>): RackServerLayout {
  const outlets = rack.outletsPerPdu;
  const serverCount = Math.max(1, Math.min(Math.max(1, outlets - 2), Math.round(rack.itLoadW / WATTS_PER_SERVER)));
  const servers = Array.from({ length: serverCount }, (_, k) => ({ name: serverName(rack.id, k + 1), outlet: k + 1 }));
  const spareOutlets: number[] = [];
  for (let outlet = serverCount + 1; outlet <= outlets; outlet++) spareOutlets.push(outlet);
  return { serverCount, servers, spareOutlets };
}
