/**
 * The collector logs through the same structured logger as the server (pino, JSON lines, secrets
 * redacted), on stderr. Anything with these three methods can stand in, e.g. a pino child of the demo.
 */
import { createLogger, silentLogger as silentPino } from '../server/lib/logger.ts';

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const jsonStderrLogger: Logger = createLogger({ name: 'kiban-collector', destination: 2 });

export const silentLogger: Logger = silentPino();
