/** Structured JSON logs (pino). Secrets are redacted wherever they could appear. */
import { pino, type Logger } from 'pino';

export type { Logger };

/** `destination: 2` writes to stderr (the collector keeps stdout for its own output). */
export function createLogger(opts: { name?: string; level?: string; destination?: 1 | 2 } = {}): Logger {
  return pino({
    name: opts.name ?? 'kiban',
    level: opts.level ?? process.env.KIBAN_LOG_LEVEL ?? 'info',
    redact: {
      paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization', 'headers.cookie', 'password'],
      censor: '[redacted]',
    },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  }, pino.destination({ fd: opts.destination ?? 1, sync: true }));
}

export const silentLogger = (): Logger => pino({ level: 'silent' });
