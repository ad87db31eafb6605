/**
 * A simulated single-phase, double-conversion UPS. The physics model produces engineering values;
 * they are quantised once into the integers RFC 1628 prescribes, and the ground truth is derived back
 * from those integers, so truth is exactly what a correct poller must read.
 */
import { batteryRuntimeMinutes, DEFAULT_LOAD_SHAPE, noisyLoadFraction, upsEfficiency, type DailyLoadShape } from '../../physics/load.ts';
import { mulberry32, symmetricNoise, type Rng } from '../../physics/prng.ts';
import { BatteryStatus, OutputSource, type UpsScalarName } from './rfc1628.ts';

export interface UpsIdentity {
  manufacturer: string;
  model: string;
  upsSoftwareVersion: string;
  agentSoftwareVersion: string;
  name: string;
  attachedDevices: string;
}

export interface UpsParameters {
  id: string;
  seed: number;
  ratedOutputW: number;
  /** Apparent power rating; a 0.8 pf rating is typical, so VA = W / 0.8 unless given. */
  ratedOutputVA?: number;
  nominalVoltageV?: number;
  nominalFrequencyHz?: number;
  /** Power factor of the IT load seen at the UPS output. */
  loadPowerFactor?: number;
  loadShape?: DailyLoadShape;
  identity?: Partial<UpsIdentity>;
}

/** Ground truth in engineering units (W, V, A, Hz, %, °C, s, min); field names carry the unit. */
export interface UpsTruthValues {
  outputSource: number;
  outputPowerW: number;
  outputPercentLoad: number;
  outputVoltageV: number;
  outputCurrentA: number;
  outputFrequencyHz: number;
  outputNumLines: number;
  inputPowerW: number;
  inputVoltageV: number;
  inputCurrentA: number;
  inputFrequencyHz: number;
  inputNumLines: number;
  inputLineBads: number;
  batteryStatus: number;
  batterySecondsOnBattery: number;
  batteryMinutesRemaining: number;
  batteryChargePercent: number;
  batteryVoltageV: number;
  batteryCurrentA: number;
  batteryTemperatureC: number;
  alarmsPresent: number;
  ratedOutputW: number;
  ratedOutputVA: number;
}

/** Integer MIB values of one physics tick, keyed by RFC 1628 object name. */
export interface UpsMibSnapshot {
  scalars: Partial<Record<UpsScalarName, number | string>>;
  inputLine: { upsInputLineIndex: number; upsInputFrequency: number; upsInputVoltage: number; upsInputCurrent: number; upsInputTruePower: number };
  outputLine: { upsOutputLineIndex: number; upsOutputVoltage: number; upsOutputCurrent: number; upsOutputPower: number; upsOutputPercentLoad: number };
}

const INPUT_POWER_FACTOR = 0.99; // double-conversion rectifiers with PFC draw near-unity pf

export class SimulatedUps {
  readonly id: string;
  readonly identity: UpsIdentity;
  readonly ratedOutputW: number;
  readonly ratedOutputVA: number;
  private readonly rng: Rng;
  private readonly nominalVoltageV: number;
  private readonly nominalFrequencyHz: number;
  private readonly loadPowerFactor: number;
  private readonly loadShape: DailyLoadShape;
  private lineBads = 0;
  private current!: { atMs: number; mib: UpsMibSnapshot };

  constructor(params: UpsParameters, nowMs: number) {
    this.id = params.id;
    this.rng = mulberry32(params.seed);
    this.ratedOutputW = params.ratedOutputW;
    this.ratedOutputVA = params.ratedOutputVA ?? Math.round(params.ratedOutputW / 0.8);
    this.nominalVoltageV = params.nominalVoltageV ?? 230;
    this.nominalFrequencyHz = params.nominalFrequencyHz ?? 50;
    this.loadPowerFactor = params.loadPowerFactor ?? 0.95;
    this.loadShape = params.loadShape ?? DEFAULT_LOAD_SHAPE;
    const kva = Math.round(this.ratedOutputVA / 1000);
    this.identity = {
      manufacturer: 'Kiban Simulated Power',
      model: `KSP-${kva}K online double-conversion`,
      upsSoftwareVersion: '2.4.1',
      agentSoftwareVersion: 'kiban-sim 0.1.0',
      name: params.id,
      attachedDevices: 'IT load',
      ...params.identity,
    };
    this.advance(nowMs);
  }

  /** Advance physics to `nowMs`; values then stay fixed until the next call. */
  advance(nowMs: number): void {
    const rng = this.rng;
    const load = noisyLoadFraction(nowMs, rng, this.loadShape);
    const outputPowerW = Math.round(this.ratedOutputW * load);
    const outputVoltageV = Math.round(this.nominalVoltageV + symmetricNoise(rng, 1));
    const outputCurrentDeciA = Math.round((10 * outputPowerW) / (outputVoltageV * this.loadPowerFactor));
    const outputFrequencyDeciHz = Math.round(this.nominalFrequencyHz * 10);
    const apparentPowerVA = outputPowerW / this.loadPowerFactor;
    // RFC 1628: percent load is the greater of the W and VA percentages.
    const outputPercentLoad = Math.round(100 * Math.max(outputPowerW / this.ratedOutputW, apparentPowerVA / this.ratedOutputVA));

    const efficiency = upsEfficiency(load);
    const inputPowerW = efficiency > 0 ? Math.round(outputPowerW / efficiency) : Math.round(this.ratedOutputW * 0.01);
    const inputVoltageV = Math.round(this.nominalVoltageV + symmetricNoise(rng, 3));
    const inputFrequencyDeciHz = Math.round(this.nominalFrequencyHz * 10 + symmetricNoise(rng, 1));
    const inputCurrentDeciA = Math.round((10 * inputPowerW) / (inputVoltageV * INPUT_POWER_FACTOR));

    const batteryMinutes = Math.max(1, Math.round(batteryRuntimeMinutes(load)));
    const batteryTemperatureC = Math.round(24 + 2 * load);

    this.current = {
      atMs: nowMs,
      mib: {
        scalars: {
          upsBatteryStatus: BatteryStatus.batteryNormal,
          upsSecondsOnBattery: 0,
          upsEstimatedMinutesRemaining: batteryMinutes,
          upsEstimatedChargeRemaining: 100,
          upsBatteryVoltage: 2730,
          upsBatteryCurrent: 0,
          upsBatteryTemperature: batteryTemperatureC,
          upsInputLineBads: this.lineBads,
          upsInputNumLines: 1,
          upsOutputSource: OutputSource.normal,
          upsOutputFrequency: outputFrequencyDeciHz,
          upsOutputNumLines: 1,
          upsAlarmsPresent: 0,
          upsConfigOutputVA: this.ratedOutputVA,
          upsConfigOutputPower: this.ratedOutputW,
        },
        inputLine: {
          upsInputLineIndex: 1,
          upsInputFrequency: inputFrequencyDeciHz,
          upsInputVoltage: inputVoltageV,
          upsInputCurrent: inputCurrentDeciA,
          upsInputTruePower: inputPowerW,
        },
        outputLine: {
          upsOutputLineIndex: 1,
          upsOutputVoltage: outputVoltageV,
          upsOutputCurrent: outputCurrentDeciA,
          upsOutputPower: outputPowerW,
          upsOutputPercentLoad: outputPercentLoad,
        },
      },
    };
  }

  /** Identity scalars (constant) merged with the current tick's values. */
  mibSnapshot(): UpsMibSnapshot {
    const { mib } = this.current;
    return {
      scalars: {
        upsIdentManufacturer: this.identity.manufacturer,
        upsIdentModel: this.identity.model,
        upsIdentUPSSoftwareVersion: this.identity.upsSoftwareVersion,
        upsIdentAgentSoftwareVersion: this.identity.agentSoftwareVersion,
        upsIdentName: this.identity.name,
        upsIdentAttachedDevices: this.identity.attachedDevices,
        ...mib.scalars,
      },
      inputLine: { ...mib.inputLine },
      outputLine: { ...mib.outputLine },
    };
  }

  /** Time of the physics tick the current values belong to. */
  get valuesAtMs(): number {
    return this.current.atMs;
  }

  truth(): UpsTruthValues {
    const { scalars, inputLine, outputLine } = this.current.mib;
    const num = (name: UpsScalarName): number => scalars[name] as number;
    const tenth = (raw: number): number => raw / 10;
    return {
      outputSource: num('upsOutputSource'),
      outputPowerW: outputLine.upsOutputPower,
      outputPercentLoad: outputLine.upsOutputPercentLoad,
      outputVoltageV: outputLine.upsOutputVoltage,
      outputCurrentA: tenth(outputLine.upsOutputCurrent),
      outputFrequencyHz: tenth(num('upsOutputFrequency')),
      outputNumLines: num('upsOutputNumLines'),
      inputPowerW: inputLine.upsInputTruePower,
      inputVoltageV: inputLine.upsInputVoltage,
      inputCurrentA: tenth(inputLine.upsInputCurrent),
      inputFrequencyHz: tenth(inputLine.upsInputFrequency),
      inputNumLines: num('upsInputNumLines'),
      inputLineBads: num('upsInputLineBads'),
      batteryStatus: num('upsBatteryStatus'),
      batterySecondsOnBattery: num('upsSecondsOnBattery'),
      batteryMinutesRemaining: num('upsEstimatedMinutesRemaining'),
      batteryChargePercent: num('upsEstimatedChargeRemaining'),
      batteryVoltageV: tenth(num('upsBatteryVoltage')),
      batteryCurrentA: tenth(num('upsBatteryCurrent')),
      batteryTemperatureC: num('upsBatteryTemperature'),
      alarmsPresent: num('upsAlarmsPresent'),
      ratedOutputW: this.ratedOutputW,
      ratedOutputVA: this.ratedOutputVA,
    };
  }
}
