/**
 * Energy-balance checks over a site state: every equation the model promises, evaluated from the state
 * alone. Used by the tests and handy for a drill that wants to prove the simulator is not lying.
 */
import type { ModelSiteState } from './site-model.ts';
import { DISTRIBUTION_LOSS_FRACTION } from './site-model.ts';

export interface BalanceViolation { equation: string; left: number; right: number }

const RELATIVE_TOLERANCE = 1e-9;

function check(out: BalanceViolation[], equation: string, left: number, right: number): void {
  const scale = Math.max(1, Math.abs(left), Math.abs(right));
  if (!(Math.abs(left - right) <= RELATIVE_TOLERANCE * scale)) out.push({ equation, left, right });
}

/** All energy-balance equations that do not hold in `state` (empty = balanced). */
export function energyBalanceViolations(state: ModelSiteState): BalanceViolation[] {
  const out: BalanceViolation[] = [];
  const pduInputByUps = new Map<string, number>();
  let outletSumW = 0;
  for (const pdu of state.pdus.values()) {
    let sum = 0;
    for (const o of pdu.outlets) sum += o.activePowerW;
    outletSumW += sum;
    check(out, `${pdu.id}: inlet = Σ outlets`, pdu.inlet.activePowerW, sum);
    pduInputByUps.set(pdu.upsId, (pduInputByUps.get(pdu.upsId) ?? 0) + pdu.inlet.activePowerW);
  }
  let upsInputW = 0;
  for (const u of state.ups.values()) {
    check(out, `${u.id}: pduInputW = Σ its PDU inlets`, u.pduInputW, pduInputByUps.get(u.id) ?? 0);
    check(out, `${u.id}: distribution loss = ${DISTRIBUTION_LOSS_FRACTION} × PDU input`, u.distributionLossW, u.pduInputW * DISTRIBUTION_LOSS_FRACTION);
    check(out, `${u.id}: output = PDU inputs + distribution loss + other load`, u.outputPowerW, u.pduInputW + u.distributionLossW + u.otherLoadW);
    if (u.source === 'battery') {
      check(out, `${u.id}: on battery input = 0`, u.inputPowerW, 0);
      check(out, `${u.id}: battery discharge = output + losses`, -u.batteryPowerW, u.outputPowerW + u.lossesW);
    } else {
      check(out, `${u.id}: input = output + losses + battery charging`, u.inputPowerW, u.outputPowerW + u.lossesW + u.batteryPowerW);
    }
    if (u.lossesW < 0) out.push({ equation: `${u.id}: losses ≥ 0`, left: u.lossesW, right: 0 });
    upsInputW += u.inputPowerW;
  }
  let cracW = 0;
  for (const c of state.cracs.values()) cracW += c.electricalPowerW;
  const f = state.facility;
  check(out, 'facility: itW = Σ outlets', f.itW, outletSumW);
  check(out, 'facility: upsInputW = Σ UPS input', f.upsInputW, upsInputW);
  check(out, 'facility: coolingW = Σ CRAC electrical', f.coolingW, cracW);
  check(out, 'facility: total = UPS input + cooling + lighting', f.totalW, upsInputW + cracW + f.lightingW);
  check(out, 'facility: utility + generator + PV = total', f.utilityW + f.generatorW + f.pvW, f.totalW);
  const utility = [...state.meters.values()].find((m) => m.kind === 'utility');
  if (utility) check(out, 'meter-utility = facility utility', utility.powerW, f.utilityW);
  return out;
}
