// Small pieces the pages share: toasts, copy and share buttons, polling, formatting.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { errorMessage } from '../../shared/api.js';
import { useToasts } from '../../shared/stores/toasts.js';
import { Link } from './router.js';

export function Toasts() {
  const { toasts, dismiss } = useToasts();
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast--${t.kind}`} data-testid="toast">
          {t.kind === 'live' && <span className="live-dot" aria-hidden="true" />}
          <span className="toast__text">{t.text}</span>
          {t.action && (
            <Link to={t.action.href} className="toast__action" onClick={() => dismiss(t.id)}>
              {t.action.label}
            </Link>
          )}
          <button type="button" className="toast__close" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

/** A form's problem in words, announced to screen readers; nothing when there is none. */
export function FormError({ text }: { text: ReactNode }) {
  return text ? (
    <p className="form-error" role="alert">
      {text}
    </p>
  ) : null;
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Clipboard API refused (http page, permissions): fall back to a selected textarea.
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.setAttribute('readonly', '');
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    document.body.appendChild(ta);
    ta.select();
    let ok: boolean;
    try {
      ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
    ta.remove();
    return ok;
  }
}

/**
 * Copies text, or text fetched when pressed (an invite link asked of the server), and says "Copied". When the
 * copy fails, onCopyFailed gets the text to show for copying by hand (else a toast says so).
 */
export function CopyButton({
  text,
  label,
  what,
  onCopyFailed,
}: {
  text: string | (() => Promise<string>);
  label?: string;
  what: string;
  onCopyFailed?(text: string): void;
}) {
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const push = useToasts((s) => s.push);
  const copy = async () => {
    let value: string;
    try {
      setBusy(true);
      value = typeof text === 'string' ? text : await text();
    } catch (err) {
      push({ kind: 'error', text: `Could not get the ${what}: ${errorMessage(err)}` });
      return;
    } finally {
      setBusy(false);
    }
    if (await copyText(value)) {
      setDone(true);
      setTimeout(() => setDone(false), 1500);
    } else if (onCopyFailed) onCopyFailed(value);
    else push({ kind: 'error', text: `Could not copy the ${what}; select it and copy by hand.` });
  };
  return (
    <button type="button" className="btn btn--small" aria-label={label ?? `Copy ${what}`} onClick={() => void copy()} disabled={busy}>
      {done ? 'Copied' : 'Copy'}
    </button>
  );
}

/**
 * Shares a page's link: the system share sheet where the browser has one (phones, some desktops), else the link
 * is copied and the button says "Copied" (and "Link copied" beside it). Give it a link without any token.
 */
export function ShareButton({ url, title, label = 'Share' }: { url: string; title: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  const push = useToasts((s) => s.push);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const share = async () => {
    const data = { title, url };
    if (typeof navigator.share === 'function' && (!navigator.canShare || navigator.canShare(data))) {
      try {
        await navigator.share(data);
        return;
      } catch (err) {
        if ((err as DOMException).name === 'AbortError') return; // closed the share sheet: nothing to do
        // Refused (no share target, not allowed here): copy instead.
      }
    }
    if (await copyText(url)) {
      setCopied(true);
      clearTimeout(timer.current);
      timer.current = setTimeout(() => setCopied(false), 3000);
    } else push({ kind: 'error', text: `Could not copy the link; copy it from the address bar: ${url}` });
  };
  return (
    <span className="share">
      <button type="button" className="btn" onClick={() => void share()} data-testid="share-button">
        {copied ? 'Copied' : label}
      </button>
      <span className="share__done" role="status" data-testid="share-status">
        {copied ? 'Link copied' : ''}
      </span>
    </span>
  );
}

/** Runs fn now and then every `ms` while the page is shown; fn gets an "is this still current" check. */
export function usePoll(fn: (current: () => boolean) => Promise<void> | void, ms: number, deps: unknown[]) {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        await ref.current(() => alive);
      } finally {
        if (alive) timer = setTimeout(tick, document.hidden ? ms * 3 : ms);
      }
    };
    void tick();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}

export function viewersText(n: number): string {
  return `${n} ${n === 1 ? 'viewer' : 'viewers'}`;
}

/** A thumbnail that quietly becomes a placeholder when there is none (thumbnails off, not made yet). */
export function Thumb({ src, alt }: { src: string | null; alt: string }) {
  const [failed, setFailed] = useState(false);
  if (!src || failed) return <div className="thumb thumb--empty" aria-hidden="true" />;
  return <img className="thumb" src={src} alt={alt} loading="lazy" onError={() => setFailed(true)} />;
}

/**
 * Keeps --vv-height and --vv-top on <html> at the visible viewport's height and offset: the part of the page not
 * under an on-screen keyboard (phone browsers shrink only the visual viewport for it, and iOS scrolls the page to
 * the focused input), so a one-screen layout keeps its bottom (the chat input) in view. Left alone while the
 * visitor has pinch-zoomed: then the visual viewport is a window they move over the page.
 */
export function useVisualViewport(): void {
  useEffect(() => {
    const vv = window.visualViewport;
    const root = document.documentElement;
    const update = () => {
      const zoomed = vv ? Math.abs(vv.scale - 1) > 0.01 : true;
      const height = vv && !zoomed ? vv.height : window.innerHeight;
      root.style.setProperty('--vv-height', `${Math.round(height)}px`);
      root.style.setProperty('--vv-top', `${vv && !zoomed ? Math.round(vv.offsetTop) : 0}px`);
    };
    update();
    vv?.addEventListener('resize', update);
    vv?.addEventListener('scroll', update);
    window.addEventListener('resize', update);
    return () => {
      vv?.removeEventListener('resize', update);
      vv?.removeEventListener('scroll', update);
      window.removeEventListener('resize', update);
      root.style.removeProperty('--vv-height');
      root.style.removeProperty('--vv-top');
    };
  }, []);
}
