/**
 * Power and battery behaviour of a double-conversion UPS, as pure functions of load and time.
 *
 * Losses follow the usual datasheet shape: a fixed no-load part (rectifier/inverter magnetics, fans,
 * control), a part proportional to load and an I²R part. The coefficients give ~90.7 % efficiency at 20 %
 * load, ~95 % at 50 % and ~95.8 % at 80 % — the curve of a large transformerless double-conversion unit.
 */

/** Loss coefficients as fractions of rated power: losses = rated·(noLoad + proportional·L + resistive·L²). */
export const UPS_LOSS_COEFFICIENTS = { noLoad: 0.019, proportional: 0.004, resistive: 0.02 } as const;

/** Bypass: only the static switch and the standby electronics lose power (no double conversion). */
export const BYPASS_LOSS = { ofOutput: 0.004, ofRated: 0.002 } as const;

/** Conversion losses (W) of a double-conversion UPS delivering `outputW`. */
export function doubleConversionLossW(outputW: number, ratedW: number): number {
  const load = Math.max(0, outputW) / ratedW;
  const c = UPS_LOSS_COEFFICIENTS;
  return ratedW * (c.noLoad + c.proportional * load + c.resistive * load * load);
}

/** Efficiency (0..1) at a load fraction; 0 at no load (all input is loss). */
export function doubleConversionEfficiency(loadFraction: number): number {
  if (loadFraction <= 0) return 0;
  return loadFraction / (loadFraction + doubleConversionLossW(loadFraction, 1));
}

export function bypassLossW(outputW: number, ratedW: number): number {
  return BYPASS_LOSS.ofOutput * Math.max(0, outputW) + BYPASS_LOSS.ofRated * ratedW;
}

/**
 * Usable battery energy (Wh DC) of a fresh, full battery: enough to carry rated output plus inverter losses
 * for the nominal full-load runtime. At lower loads the same energy lasts longer.
 */
export function batteryCapacityWh(ratedW: number, nominalRuntimeMin: number): number {
  return (ratedW + doubleConversionLossW(ratedW, ratedW)) * nominalRuntimeMin / 60;
}

/** The charger restores charge exponentially (constant-voltage phase dominates): 63 % of the gap per τ. */
export const BATTERY_RECHARGE_TIME_CONSTANT_S = 2 * 3600;
export const CHARGER_EFFICIENCY = 0.92;
/** Below this estimated runtime the UPS reports batteryLow (APC's default low-battery warning is 2–5 min). */
export const LOW_BATTERY_MINUTES = 5;
export const MAX_REPORTED_MINUTES = 999;

/** Charge fraction after recharging for `dtS` seconds from `charge` (closed form, stable for any step). */
export function rechargedFraction(charge: number, dtS: number): number {
  const next = 1 - (1 - charge) * Math.exp(-dtS / BATTERY_RECHARGE_TIME_CONSTANT_S);
  return next > 0.99995 ? 1 : next;
}

/** Power drawn from mains by the charger (W AC) at a charge level; falls as the battery fills. */
export function chargerInputW(charge: number, usableCapacityWh: number): number {
  if (charge >= 1) return 0;
  const chargeRatePerHour = (1 - charge) / (BATTERY_RECHARGE_TIME_CONSTANT_S / 3600);
  return chargeRatePerHour * usableCapacityWh / CHARGER_EFFICIENCY;
}

/** Minutes the stored energy would carry `dischargeW` (output + inverter losses). */
export function runtimeMinutes(charge: number, usableCapacityWh: number, dischargeW: number): number {
  if (dischargeW <= 0) return MAX_REPORTED_MINUTES;
  return Math.min(MAX_REPORTED_MINUTES, Math.max(0, charge) * usableCapacityWh / dischargeW * 60);
}

/**
 * Battery terminal voltage of a lead-acid string: float 2.25 V/cell on mains, on discharge from ~2.05 V/cell
 * (full) down to 1.75 V/cell (empty), with a small sag proportional to the discharge rate.
 */
export function batteryVoltageV(cells: number, charge: number, mode: 'float' | 'charging' | 'discharging', dischargeC: number): number {
  if (mode === 'float') return cells * 2.25;
  if (mode === 'charging') return cells * 2.3;
  return cells * Math.max(1.6, 1.75 + 0.3 * Math.max(0, charge) - 0.08 * dischargeC);
}

/** Cells per string: 240 × 2 V = 480 V DC bus for large units, 96 cells (192 V) for small ones. */
export function batteryCellsPerString(ratedW: number): number {
  return ratedW >= 20_000 ? 240 : 96;
}
