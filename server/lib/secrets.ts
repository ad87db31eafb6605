import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new random secret, URL-safe, with a recognisable prefix (e.g. `kbn_…`). */
export const newSecret = (prefix = 'kbn'): string => `${prefix}_${randomBytes(32).toString('base64url')}`;

/** Only hashes of secrets are stored; tokens are high-entropy so a plain SHA-256 is sufficient. */
export const hashSecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a); const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
