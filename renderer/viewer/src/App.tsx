import { useEffect } from 'react';
import { chatSocket, reconnectChat } from '../../shared/chat-socket.js';
import type { NoticeEvent } from '../../shared/contracts.js';
import { useSession } from '../../shared/stores/session.js';
import { useToasts } from '../../shared/stores/toasts.js';
import { Admin } from './pages/Admin.js';
import { Dashboard } from './pages/Dashboard.js';
import { Embed } from './pages/Embed.js';
import { Home } from './pages/Home.js';
import { Invite } from './pages/Invite.js';
import { ReplayPage } from './pages/ReplayPage.js';
import { Replays } from './pages/Replays.js';
import { Settings } from './pages/Settings.js';
import { Watch } from './pages/Watch.js';
import { Link, matchRoute, navigate, useLocation } from './router.js';
import { Toasts } from './ui.js';

function Header() {
  const { status, user, logout } = useSession();
  return (
    <header className="topbar">
      <Link to="/" className="brand" aria-label="Onair home">
        <span className="brand__dot" aria-hidden="true" />
        Onair
      </Link>
      <nav className="topbar__nav" aria-label="Main">
        {status === 'signed-in' && user ? (
          <>
            <Link to={`/c/${user.username.toLowerCase()}`}>My channel</Link>
            <Link to="/dashboard">Dashboard</Link>
            {user.admin && <Link to="/admin">Admin</Link>}
            <Link to="/settings">Settings</Link>
            <button
              type="button"
              className="linklike"
              onClick={() => {
                void logout().then(() => {
                  reconnectChat();
                  navigate('/');
                });
              }}
            >
              Sign out
            </button>
          </>
        ) : status === 'signed-out' ? (
          <Link to="/#sign-in">Sign in</Link>
        ) : null}
      </nav>
    </header>
  );
}

/** "alice is live" toasts for channels the visitor follows. */
function useFollowedLiveNotices() {
  const signedIn = useSession((s) => s.status === 'signed-in');
  const push = useToasts((s) => s.push);
  useEffect(() => {
    if (!signedIn) return;
    const socket = chatSocket();
    const onNotice = (n: NoticeEvent) => {
      if (n.kind !== 'followed-live') return;
      push(
        { kind: 'live', text: `${n.channel} is live${n.title ? `: ${n.title}` : ''}`, action: { label: 'Watch', href: `/c/${n.channel}` } },
        15_000,
      );
    };
    socket.on('notice', onNotice);
    return () => {
      socket.off('notice', onNotice);
    };
  }, [signedIn, push]);
}

export function App() {
  const { path } = useLocation();
  const route = matchRoute(path);
  const refresh = useSession((s) => s.refresh);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  useFollowedLiveNotices();

  if (route.page === 'embed') {
    return (
      <>
        <Embed channel={route.channel} />
        <Toasts />
      </>
    );
  }
  return (
    // The watch page is one screen on phones (player, chat, input), sized to the visible viewport: see styles.css.
    <div className={`app${route.page === 'watch' ? ' app--watch' : ''}`}>
      <Header />
      <main className="main" id="main">
        {route.page === 'home' && <Home />}
        {route.page === 'settings' && <Settings />}
        {route.page === 'dashboard' && <Dashboard />}
        {route.page === 'admin' && <Admin />}
        {route.page === 'watch' && <Watch key={route.channel} channel={route.channel} />}
        {route.page === 'replays' && <Replays key={route.channel} channel={route.channel} />}
        {route.page === 'replay' && <ReplayPage key={route.id} id={route.id} />}
        {route.page === 'invite' && <Invite key={route.token} token={route.token} />}
        {route.page === 'not-found' && (
          <div className="card card--center">
            <h1>Page not found</h1>
            <p>There is nothing at this address.</p>
            <Link to="/">Go to the home page</Link>
          </div>
        )}
      </main>
      <Toasts />
    </div>
  );
}
