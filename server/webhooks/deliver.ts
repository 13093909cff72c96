// One webhook POST: a JSON body, a hard deadline from connecting to the answer's status line, no redirects
// followed, and the address checked where it is used (the name is resolved here and each address it gives is checked,
// so a name cannot be pointed at a private address after it was saved). The outcome never quotes the URL.
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { checkedLookup, isPrivateAddress, NOT_ALLOWED } from './addresses.js';

export interface PostOutcome {
  ok: boolean;
  status: number | null;
  /** Plain words, never the URL; null when ok. */
  error: string | null;
  /** Worth trying again: no answer, a timeout, 408, 429 or a 5xx. */
  retryable: boolean;
  /** Seconds a 429 or 503 asked us to wait (Retry-After), when given. */
  retryAfterSeconds?: number;
}

export interface PostOptions {
  timeoutMs: number;
  /** ONAIR_WEBHOOKS_ALLOW_PRIVATE: this machine and private networks may be reached. */
  allowPrivate: boolean;
  headers: Record<string, string>;
  /** Aborts the attempt (the server is stopping). */
  signal?: AbortSignal;
}

/** Words for the errors a POST can meet; anything else is named by its code alone. */
const ERROR_WORDS: Record<string, string> = {
  [NOT_ALLOWED]: 'the address is on this machine or a private network, which webhooks may not reach',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connecting timed out',
  CERT_HAS_EXPIRED: 'the TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the TLS certificate is self-signed',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the TLS certificate is for another host',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the TLS certificate could not be verified',
};

function retryAfter(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const seconds = /^\d+$/.test(v.trim()) ? Number(v) : (Date.parse(v) - Date.now()) / 1000;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

export function postJson(url: string, body: unknown, opts: PostOptions): Promise<PostOutcome> {
  return new Promise((resolve) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return resolve({ ok: false, status: null, error: 'the address is not valid', retryable: false });
    }
    // Literal IP addresses are connected to without a lookup: check them here.
    const literal = u.hostname.replace(/^\[|\]$/g, '');
    if (!opts.allowPrivate && isIP(literal) && isPrivateAddress(literal)) {
      return resolve({ ok: false, status: null, error: ERROR_WORDS[NOT_ALLOWED], retryable: false });
    }
    const data = Buffer.from(JSON.stringify(body));
    let settled = false;
    const finish = (o: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(o);
    };
    const request = u.protocol === 'https:' ? https.request : http.request;
    const req = request(u, {
      method: 'POST',
      headers: { ...opts.headers, 'content-type': 'application/json', 'content-length': String(data.length) },
      agent: false,
      lookup: checkedLookup(opts.allowPrivate),
    });
    const timer = setTimeout(
      () => finish({ ok: false, status: null, error: `no answer within ${opts.timeoutMs / 1000} s`, retryable: true }),
      opts.timeoutMs,
    );
    const onAbort = () => finish({ ok: false, status: null, error: 'the server is stopping', retryable: false });
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) return onAbort();
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      if (status >= 200 && status < 300) return finish({ ok: true, status, error: null, retryable: false });
      finish({
        ok: false,
        status,
        error: status >= 300 && status < 400 ? `answered ${status}: redirects are not followed` : `answered ${status}`,
        retryable: status === 408 || status === 429 || status >= 500,
        retryAfterSeconds: status === 429 || status === 503 ? retryAfter(res.headers['retry-after']) : undefined,
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      finish({
        ok: false,
        status: null,
        error: ERROR_WORDS[code] ?? `could not deliver (${code || 'network error'})`,
        retryable: code !== NOT_ALLOWED,
      });
    });
    req.end(data);
  });
}
