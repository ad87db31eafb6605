/**
 * Who is signed in. The session itself is an HttpOnly cookie the server sets; this store only knows
 * whether we have one. A `#token=…` in the URL (as printed by `kiban demo`) signs in once and is then
 * removed from the address bar so it does not linger in history or screenshots.
 */
import { createSignal } from 'solid-js';
import { ApiError, api, onUnauthorized } from '../api/client.ts';
import type { SessionUser } from '../api/types.ts';

export type SessionState =
  | { status: 'checking' }
  | { status: 'signedOut'; rejected?: boolean; error?: ApiError }
  | { status: 'signedIn'; user: SessionUser };

const [session, setSession] = createSignal<SessionState>({ status: 'checking' });
export { session };

onUnauthorized(() => {
  if (session().status === 'signedIn') setSession({ status: 'signedOut' });
});

/** Reads `token` from the URL hash and removes it from the address bar right away. */
export function takeTokenFromLocation(): string | undefined {
  const hash = window.location.hash.replace(/^#/, '');
  if (!hash) return undefined;
  const params = new URLSearchParams(hash);
  const token = params.get('token') ?? undefined;
  if (token === undefined) return undefined;
  params.delete('token');
  const rest = params.toString();
  const url = `${window.location.pathname}${window.location.search}${rest ? `#${rest}` : ''}`;
  window.history.replaceState(window.history.state, '', url);
  return token;
}

function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(0, 'unexpected', error instanceof Error ? error.message : String(error));
}

export async function signIn(token: string): Promise<boolean> {
  try {
    const user = await api.signIn(token.trim());
    setSession({ status: 'signedIn', user });
    return true;
  } catch (cause) {
    const error = asApiError(cause);
    setSession(error.isUnauthorized ? { status: 'signedOut', rejected: true } : { status: 'signedOut', error });
    return false;
  }
}

/** On start: sign in with a token from the URL if there is one, else ask the server for the session. */
export async function restoreSession(): Promise<void> {
  const token = takeTokenFromLocation();
  if (token) {
    await signIn(token);
    return;
  }
  try {
    setSession({ status: 'signedIn', user: await api.getSession() });
  } catch (cause) {
    const error = asApiError(cause);
    setSession(error.isUnauthorized ? { status: 'signedOut' } : { status: 'signedOut', error });
  }
}

export async function signOut(): Promise<void> {
  try {
    await api.signOut();
  } finally {
    setSession({ status: 'signedOut' });
  }
}

/** Whether a live stream that the server closed should be reopened: only while still signed in. */
export async function sessionStillValid(): Promise<boolean> {
  try {
    await api.getSession();
    return true;
  } catch (cause) {
    if (asApiError(cause).isUnauthorized) {
      setSession({ status: 'signedOut' });
      return false;
    }
    return true; // server unreachable: keep retrying
  }
}
