/** Structured JSON logs (pino). Secrets are redacted wherever they could appear. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(opts: { name?: string; level?: string } = {}): Logger {
  return pino({
    name: opts.name ?? 'kiban',
    level: opts.level ?? process.env.KIBAN_LOG_LEVEL ?? 'info',
    redact: {
      paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization', 'headers.cookie', 'password'],
      censor: '[redacted]',
    },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

export const silentLogger = (): Logger => pino({ level: 'silent' });
