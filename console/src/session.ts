import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { answer, ApiError, client, setCsrfToken } from './api.ts';
import type { SessionInfo } from './types.ts';

/**
 * How the page is signed in. The API key typed into the sign-in form goes to POST /v1/sessions
 * once and is never stored: from then on the HttpOnly cookie authenticates, and the CSRF token
 * (kept in memory only) goes with every change.
 */
export type SessionState = { state: 'loading' } | { state: 'signed-out'; error?: string } | ({ state: 'in' } & SessionInfo);

/** Asks the service who this page is; an open service needs no sign-in. */
export async function currentSession(): Promise<SessionState> {
  try {
    const info = await answer(client.GET('/v1/sessions/current'));
    setCsrfToken(info.mode === 'session' ? info.csrfToken : undefined);
    return { state: 'in', ...info };
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return { state: 'signed-out' };
    // A service from before sessions: only open mode can work without them.
    if (error instanceof ApiError && error.status === 404) return { state: 'in', mode: 'open', tenant: 'default' };
    throw error;
  }
}

export async function signIn(key: string): Promise<SessionState> {
  const info = await answer(client.POST('/v1/sessions', { body: { key } }));
  setCsrfToken(info.csrfToken);
  return { state: 'in', ...info };
}

export async function signOut(): Promise<void> {
  try {
    await answer(client.DELETE('/v1/sessions/current'));
  } finally {
    setCsrfToken(undefined);
  }
}

export const SessionContext = createContext<SessionInfo>({ mode: 'open', tenant: 'default' });

export function useSession(): SessionInfo {
  return useContext(SessionContext);
}
