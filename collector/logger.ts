/** Structured logging for the collector: one JSON object per line on stderr by default. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

function line(level: string, obj: object, msg?: string): string {
  return JSON.stringify({ level, time: new Date().toISOString(), ...(msg ? { msg } : {}), ...obj }) + '\n';
}

export const jsonStderrLogger: Logger = {
  info: (obj, msg) => { process.stderr.write(line('info', obj, msg)); },
  warn: (obj, msg) => { process.stderr.write(line('warn', obj, msg)); },
  error: (obj, msg) => { process.stderr.write(line('error', obj, msg)); },
};

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
