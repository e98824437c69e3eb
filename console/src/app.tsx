import { ErrorBoundary, LocationProvider, Route, Router, lazy } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { messageOf, onUnauthorized } from './api.ts';
import { SessionContext, currentSession, signOut, type SessionState } from './session.ts';
import { Gallery } from './views/gallery.tsx';
import { SignIn } from './views/sign-in.tsx';

// Views beyond the gallery load on demand, so the first view's JavaScript stays small.
const ImageDetail = lazy(() => import('./views/image-detail.tsx').then((m) => m.ImageDetail));
const UrlBuilder = lazy(() => import('./views/url-builder.tsx').then((m) => m.UrlBuilder));
const Upload = lazy(() => import('./views/upload.tsx').then((m) => m.Upload));
const Batches = lazy(() => import('./views/batches.tsx').then((m) => m.Batches));
const Statistics = lazy(() => import('./views/statistics.tsx').then((m) => m.Statistics));
const PresetsAndWatermarks = lazy(() => import('./views/presets.tsx').then((m) => m.PresetsAndWatermarks));

export const nav = [
  { href: '/console/', label: 'Gallery' },
  { href: '/console/upload', label: 'Upload' },
  { href: '/console/build', label: 'URL builder' },
  { href: '/console/batches', label: 'Batches' },
  { href: '/console/stats', label: 'Statistics' },
  { href: '/console/presets', label: 'Presets & watermarks' },
] as const;

export function App() {
  const [session, setSession] = useState<SessionState>({ state: 'loading' });
  const [error, setError] = useState<string>();

  useEffect(() => {
    currentSession().then(setSession, (failure: unknown) => setError(messageOf(failure)));
    return onUnauthorized(() => setSession({ state: 'signed-out', error: 'Your session has ended: sign in again.' }));
  }, []);

  if (error)
    return (
      <main class="centered">
        <p role="alert">The service did not answer: {error}</p>
      </main>
    );
  if (session.state === 'loading')
    return (
      <main class="centered" aria-busy="true">
        <p>Loading…</p>
      </main>
    );
  if (session.state === 'signed-out') return <SignIn error={session.error} onSignedIn={setSession} />;

  const leave = async () => {
    await signOut().catch(() => undefined);
    setSession({ state: 'signed-out' });
  };

  return (
    <SessionContext.Provider value={session}>
      <LocationProvider>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <span class="brand">pixelfront</span>
          <nav aria-label="Console">
            <ul>
              {nav.map((item) => (
                <li key={item.href}>
                  <a href={item.href}>{item.label}</a>
                </li>
              ))}
            </ul>
          </nav>
          <div class="who">
            {session.mode === 'open' ? (
              <span class="badge warn" title="API_KEYS is not set">
                Open service: no sign-in needed, anyone who reaches it can change it
              </span>
            ) : (
              <>
                <span>
                  Tenant <strong>{session.tenant}</strong>
                </span>
                <button type="button" onClick={leave}>
                  Sign out
                </button>
              </>
            )}
          </div>
        </header>
        <main id="main" tabIndex={-1}>
          <ErrorBoundary>
            <Router>
              <Route path="/console/" component={Gallery} />
              <Route path="/console/images/:id" component={ImageDetail} />
              <Route path="/console/build" component={UrlBuilder} />
              <Route path="/console/build/:id" component={UrlBuilder} />
              <Route path="/console/upload" component={Upload} />
              <Route path="/console/batches" component={Batches} />
              <Route path="/console/stats" component={Statistics} />
              <Route path="/console/presets" component={PresetsAndWatermarks} />
              <Route default component={NotFound} />
            </Router>
          </ErrorBoundary>
        </main>
      </LocationProvider>
    </SessionContext.Provider>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        This page of the console does not exist. <a href="/console/">Back to the gallery</a>.
      </p>
    </section>
  );
}
