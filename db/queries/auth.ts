/** API tokens and sessions. Callers pass hashes, never secrets. */
import { and, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { apiTokens, sessions, type Role } from '../schema/index.ts';

export interface Principal { tokenId: number; name: string; role: Role }

/** Creates the named token, or replaces its secret (and un-revokes it) when the name exists. */
export async function putToken(db: Db, t: { name: string; role: Role; tokenHash: string }): Promise<void> {
  await db.orm.insert(apiTokens).values(t).onConflictDoUpdate({
    target: apiTokens.name,
    set: { role: t.role, tokenHash: t.tokenHash, revokedAt: null },
  });
}

export async function principalByTokenHash(db: Db, tokenHash: string): Promise<Principal | undefined> {
  const [row] = await db.orm.select({ tokenId: apiTokens.id, name: apiTokens.name, role: apiTokens.role })
    .from(apiTokens).where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt))).limit(1);
  return row;
}

export async function touchToken(db: Db, tokenId: number): Promise<void> {
  await db.orm.update(apiTokens).set({ lastUsedAt: sql`now()` }).where(eq(apiTokens.id, tokenId));
}

export async function listTokens(db: Db) {
  return db.orm.select({
    name: apiTokens.name, role: apiTokens.role, createdAt: apiTokens.createdAt,
    lastUsedAt: apiTokens.lastUsedAt, revokedAt: apiTokens.revokedAt,
  }).from(apiTokens).orderBy(apiTokens.name);
}

export async function createSession(db: Db, s: { sessionHash: string; tokenId: number; expiresAt: Date }): Promise<void> {
  await db.orm.insert(sessions).values(s);
}

export async function principalBySessionHash(db: Db, sessionHash: string): Promise<Principal | undefined> {
  const [row] = await db.orm.select({ tokenId: apiTokens.id, name: apiTokens.name, role: apiTokens.role })
    .from(sessions).innerJoin(apiTokens, eq(sessions.tokenId, apiTokens.id))
    .where(and(eq(sessions.sessionHash, sessionHash), gt(sessions.expiresAt, sql`now()`), isNull(apiTokens.revokedAt)))
    .limit(1);
  return row;
}

export async function deleteSession(db: Db, sessionHash: string): Promise<void> {
  await db.orm.delete(sessions).where(eq(sessions.sessionHash, sessionHash));
}

export async function deleteExpiredSessions(db: Db): Promise<void> {
  await db.orm.delete(sessions).where(lt(sessions.expiresAt, sql`now()`));
}
