// Log in and create-account forms. After success: the `next` path if given, else stay. The create-account card says
// what the server's sign-up setting (ONAIR_SIGNUPS) allows: anyone, people with an invite link, or nobody.
import { useEffect, useState, type FormEvent } from 'react';
import { api, errorMessage } from '../../../shared/api.js';
import { reconnectChat } from '../../../shared/chat-socket.js';
import type { SignupMode } from '../../../shared/contracts.js';
import { useSession } from '../../../shared/stores/session.js';
import { navigate } from '../router.js';
import { FormError } from '../ui.js';

let signupMode: Promise<SignupMode> | undefined;

/** The server's sign-up mode, asked once per page load; null while unknown. A failed ask counts as open: the
 * server still refuses a sign-up it does not take, with its reason. */
export function useSignupMode(): SignupMode | null {
  const [mode, setMode] = useState<SignupMode | null>(null);
  useEffect(() => {
    let alive = true;
    signupMode ??= api.signups().then(
      (p) => p.mode,
      () => 'open' as const,
    );
    void signupMode.then((m) => alive && setMode(m));
    return () => {
      alive = false;
    };
  }, []);
  return mode;
}

function AuthForm({ mode, next, invite }: { mode: 'login' | 'register'; next?: string; invite?: string }) {
  const { login, register } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const title = mode === 'login' ? 'Log in' : 'Create an account';
  const id = mode === 'login' ? 'login' : 'register';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const creds = { username: username.trim(), password };
      await (mode === 'login' ? login(creds) : register(invite ? { ...creds, invite } : creds));
      reconnectChat();
      if (next) navigate(next);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card auth-form" aria-labelledby={`${id}-title`} onSubmit={submit}>
      <h2 id={`${id}-title`}>{title}</h2>
      {mode === 'register' && invite && (
        <p className="hint" data-testid="signup-with-invite">
          Your invite link lets you make an account here; it can then watch this channel.
        </p>
      )}
      <label className="field">
        <span>Username</span>
        <input
          name="username"
          autoComplete="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          required
          minLength={3}
          maxLength={32}
        />
      </label>
      <label className="field">
        <span>Password</span>
        <input
          name="password"
          type="password"
          autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
          minLength={mode === 'register' ? 8 : 1}
        />
      </label>
      {mode === 'register' && (
        <p className="hint">3–32 letters, digits, _ or -. Your channel gets the same name. Passwords need 8 characters or more.</p>
      )}
      <FormError text={error} />
      <button type="submit" className="btn btn--primary" disabled={busy}>
        {busy ? 'Please wait…' : title}
      </button>
    </form>
  );
}

/** The create-account card as the server's sign-up mode allows it; with `invite`, signs up with that invite link. */
export function SignUp({ next, invite }: { next?: string; invite?: string }) {
  const mode = useSignupMode();
  if (mode === null) return <div className="card auth-form" aria-busy="true" aria-label="Loading" />;
  if (mode === 'closed' || (mode === 'invite' && !invite)) {
    return (
      <section className="card auth-form" aria-labelledby="register-title" data-testid="signup-mode" data-mode={mode}>
        <h2 id="register-title">Create an account</h2>
        {mode === 'closed' ? (
          <p>
            <strong>Sign-ups are closed on this server.</strong> Its operator creates the accounts: ask them for one.
          </p>
        ) : (
          <p>
            <strong>Sign-ups here are by invitation.</strong> Open the invite link a streamer on this server sent you: you can create your account
            there.
          </p>
        )}
      </section>
    );
  }
  return (
    <div data-testid="signup-mode" data-mode={mode} className="auth-forms__signup">
      <AuthForm mode="register" next={next} invite={invite} />
    </div>
  );
}

export function AuthForms({ next }: { next?: string }) {
  return (
    <div className="auth-forms" id="sign-in">
      <AuthForm mode="login" next={next} />
      <SignUp next={next} />
    </div>
  );
}
