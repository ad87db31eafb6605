/**
 * The world outside the white space: local solar time, outside air temperature, the sun (PV), humidity and
 * the efficiency of heat rejection. Pure functions of time and place, so they are the same however the
 * model is stepped.
 */
import { hashNoise } from './prng.ts';

const DAY_MS = 86_400_000;
const YEAR_DAYS = 365.2422;
const DEG = Math.PI / 180;

/** Local mean solar time in ms (UTC shifted by longitude/15 h): noon is when the sun is highest. */
export function localSolarTimeMs(utcMs: number, longitudeDeg: number): number {
  return utcMs + longitudeDeg / 15 * 3_600_000;
}

/** Hour of day 0..24 in local solar time. */
export function localHour(utcMs: number, longitudeDeg: number): number {
  const t = localSolarTimeMs(utcMs, longitudeDeg);
  return (((t % DAY_MS) + DAY_MS) % DAY_MS) / 3_600_000;
}

/** Day of year 0..365 (fractional) in UTC. */
export function dayOfYear(utcMs: number): number {
  const year = new Date(utcMs).getUTCFullYear();
  return (utcMs - Date.UTC(year, 0, 1)) / DAY_MS;
}

export interface ClimateParameters {
  annualMeanC: number;
  /** Half the difference between the warmest and the coldest month. */
  annualAmplitudeC: number;
  /** Half the day-night swing. */
  dailyAmplitudeC: number;
}

/** A temperate coastal climate (Tokyo-like: ~16 °C mean, hot humid summers, mild winters). */
export const TEMPERATE_CLIMATE: ClimateParameters = { annualMeanC: 16, annualAmplitudeC: 10, dailyAmplitudeC: 4 };

/**
 * Outside dry-bulb temperature: a seasonal sine (warmest ~26 July in the northern hemisphere, six months
 * later in the southern), a daily sine peaking at 14:00 local solar time, and a slow seeded wobble.
 */
export function outsideTemperatureC(utcMs: number, latitudeDeg: number, longitudeDeg: number, seed: number,
  climate: ClimateParameters = TEMPERATE_CLIMATE): number {
  const warmestDay = latitudeDeg >= 0 ? 207 : 207 - YEAR_DAYS / 2;
  const seasonal = climate.annualAmplitudeC * Math.cos(2 * Math.PI * (dayOfYear(utcMs) - warmestDay) / YEAR_DAYS);
  const daily = climate.dailyAmplitudeC * Math.cos(2 * Math.PI * (localHour(utcMs, longitudeDeg) - 14) / 24);
  // Weather: a value per hour, interpolated so the temperature never jumps.
  const hourStep = Math.floor(utcMs / 3_600_000);
  const frac = utcMs / 3_600_000 - hourStep;
  const weather = (1 - frac) * hashNoise(seed, 0x7e3a, hourStep, 1.5) + frac * hashNoise(seed, 0x7e3a, hourStep + 1, 1.5);
  return climate.annualMeanC + seasonal + daily + weather;
}

/** Sine of the sun's elevation (negative below the horizon): declination by Cooper, hour angle from solar time. */
export function sunElevationSine(utcMs: number, latitudeDeg: number, longitudeDeg: number): number {
  const declination = 23.44 * DEG * Math.sin(2 * Math.PI * (284 + dayOfYear(utcMs) + 1) / 365);
  const hourAngle = (localHour(utcMs, longitudeDeg) - 12) * 15 * DEG;
  const lat = latitudeDeg * DEG;
  return Math.sin(lat) * Math.sin(declination) + Math.cos(lat) * Math.cos(declination) * Math.cos(hourAngle);
}

/**
 * PV output (W AC): peak power scaled by clear-sky irradiance (∝ sin(elevation)^1.15, a usual air-mass
 * shortcut) and by clouds that change every 10 minutes. Zero whenever the sun is below the horizon.
 */
export function pvOutputW(utcMs: number, latitudeDeg: number, longitudeDeg: number, peakW: number, seed: number): number {
  const sinElevation = sunElevationSine(utcMs, latitudeDeg, longitudeDeg);
  if (sinElevation <= 0 || peakW <= 0) return 0;
  const cloudStep = Math.floor(utcMs / 600_000);
  const cloudiness = 0.25 + hashNoise(seed, 0xc10d, cloudStep, 0.25); // 0..0.5 of irradiance blocked
  return peakW * Math.pow(sinElevation, 1.15) * (1 - cloudiness);
}

/** Saturation vapour pressure over water (hPa), Magnus–Tetens (Alduchov & Eskridge coefficients). */
export function saturationVapourPressureHpa(temperatureC: number): number {
  return 6.1094 * Math.exp(17.625 * temperatureC / (temperatureC + 243.04));
}

/** Relative humidity (%) of air at `temperatureC` whose dew point is `dewPointC` (no moisture added/removed). */
export function relativeHumidityPct(temperatureC: number, dewPointC: number): number {
  return Math.min(100, 100 * saturationVapourPressureHpa(dewPointC) / saturationVapourPressureHpa(temperatureC));
}

/**
 * Coefficient of performance of the cooling plant (heat removed per electrical W, compressors only):
 * heat rejection gets harder as outside air warms, ~5 at 15 °C, ~3.4 at 35 °C, capped at both ends.
 */
export function coolingCop(outsideTempC: number): number {
  return Math.min(6, Math.max(2.2, 5 - 0.08 * (outsideTempC - 15)));
}

/** Closed-form first-order lag: where a value with time constant τ ends after `dtS` toward `target`. */
export function firstOrderLag(current: number, target: number, dtS: number, timeConstantS: number): number {
  if (dtS <= 0) return current;
  return target + (current - target) * Math.exp(-dtS / timeConstantS);
}
