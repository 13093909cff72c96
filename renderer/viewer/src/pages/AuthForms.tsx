// Log in and create-account forms. After success: the `next` path if given, else stay.
import { useState, type FormEvent } from 'react';
import { errorMessage } from '../../../shared/api.js';
import { reconnectChat } from '../../../shared/chat-socket.js';
import { useSession } from '../../../shared/stores/session.js';
import { navigate } from '../router.js';

function AuthForm({ mode, next }: { mode: 'login' | 'register'; next?: string }) {
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
      await (mode === 'login' ? login : register)({ username: username.trim(), password });
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
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="btn btn--primary" disabled={busy}>
        {busy ? 'Please wait…' : title}
      </button>
    </form>
  );
}

export function AuthForms({ next }: { next?: string }) {
  return (
    <div className="auth-forms" id="sign-in">
      <AuthForm mode="login" next={next} />
      <AuthForm mode="register" next={next} />
    </div>
  );
}
