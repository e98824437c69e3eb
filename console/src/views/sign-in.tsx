import { useState } from 'preact/hooks';
import { messageOf } from '../api.ts';
import { signIn, type SessionState } from '../session.ts';

/** The API key is sent once to POST /v1/sessions and never kept by the page. */
export function SignIn({ error, onSignedIn }: { error?: string | undefined; onSignedIn: (session: SessionState) => void }) {
  const [key, setKey] = useState('');
  const [problem, setProblem] = useState(error);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const session = await signIn(key);
      setKey('');
      onSignedIn(session);
    } catch (failure) {
      setProblem(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="centered" id="main">
      <form class="card sign-in" onSubmit={submit}>
        <h1>Sign in to pixelfront</h1>
        <p>Enter one of the service's API keys. It is exchanged for a session and not stored by this page.</p>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="key"
          type="password"
          autocomplete="current-password"
          required
          value={key}
          onInput={(event) => setKey(event.currentTarget.value)}
        />
        {problem && (
          <p class="error" role="alert">
            {problem}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
