/**
 * A small JSON-over-HTTP POST client on node:http/https with keep-alive agents. DESIGN.md
 * measured about 4x more orders/s this way than with the global fetch and an AbortController per
 * call: sockets are reused and no per-call abort machinery is built.
 */
import http from 'node:http';
import https from 'node:https';
import { OutboundError, isTransient } from './errors.js';

/** What came back: the status, the parsed JSON body (undefined when empty or not JSON), headers. */
export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers: http.IncomingHttpHeaders;
}

export interface PostOptions {
  /** The whole exchange (connect, send, read the body) must finish within this time. */
  readonly timeoutMs: number;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A keep-alive POST client; `close()` destroys the pooled sockets. */
export interface JsonClient {
  /**
   * POST `body` as JSON. Resolves with any status the peer answers (the caller judges it);
   * rejects with an OutboundError on timeout (`outbound-timeout`) or a socket error
   * (`outbound-connection`, transient when a retry may help).
   */
  post(url: URL, body: unknown, options: PostOptions): Promise<JsonResponse>;
  close(): void;
}

/** Resolve `path` under `base`, keeping the base's own path (`http://h/psp` + `charges`). */
export function joinUrl(base: string, path: string): URL {
  const b = new URL(base);
  if (!b.pathname.endsWith('/')) b.pathname += '/';
  return new URL(path.replace(/^\//, ''), b);
}

/**
 * The most of an answer's body that is read: the provider's and the gateway's answers are a few
 * hundred bytes. A larger body is not buffered (a body of hundreds of MB crashed the process):
 * reading stops, the socket is dropped and the body counts as not JSON, as a malformed answer does.
 */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

function parseJson(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

export function createJsonClient(agentOptions: http.AgentOptions = {}): JsonClient {
  const options: http.AgentOptions = {
    keepAlive: true,
    maxSockets: 256,
    maxFreeSockets: 64,
    ...agentOptions,
  };
  const httpAgent = new http.Agent(options);
  const httpsAgent = new https.Agent(options);

  function post(url: URL, body: unknown, { timeoutMs, headers = {} }: PostOptions): Promise<JsonResponse> {
    const payload = Buffer.from(JSON.stringify(body));
    const isHttps = url.protocol === 'https:';
    const where = `POST ${url.origin}${url.pathname}`;
    return new Promise<JsonResponse>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      const fail = (err: unknown): void =>
        settle(() => {
          if (err instanceof OutboundError) return reject(err);
          const code = err instanceof Error && 'code' in err ? String(err.code) : 'unknown';
          reject(
            new OutboundError('outbound-connection', `${where} failed (${code})`, isTransient(err), {
              cause: err,
            }),
          );
        });
      const requestOptions: http.RequestOptions = {
        method: 'POST',
        agent: isHttps ? httpsAgent : httpAgent,
        headers: {
          'content-type': 'application/json',
          'content-length': String(payload.length),
          accept: 'application/json',
          ...headers,
        },
      };
      const onResponse = (res: http.IncomingMessage): void => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        const answer = (body: unknown): void =>
          settle(() => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes <= MAX_RESPONSE_BYTES) return void chunks.push(chunk);
          chunks.length = 0;
          answer(undefined); // too large to be a real answer: judged like a body that is not JSON
          req.destroy(); // the socket is not reused: the rest of the body is never read
        });
        res.on('error', fail);
        res.on('end', () => answer(parseJson(Buffer.concat(chunks).toString('utf8'))));
      };
      const req = isHttps
        ? https.request(url, requestOptions, onResponse)
        : http.request(url, requestOptions, onResponse);
      // One timer for the whole exchange: a socket timeout would only catch idleness, and a
      // provider that trickles bytes must not hold a customer either.
      const timer = setTimeout(() => {
        const err = new OutboundError('outbound-timeout', `${where} timed out after ${timeoutMs} ms`, true);
        fail(err);
        req.destroy(err);
      }, timeoutMs);
      req.on('error', fail);
      req.end(payload);
    });
  }

  return {
    post,
    close(): void {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
