// Reading a request body with a size limit, for every HTTP server here (the master API, the
// desktop's routes and sign-in): a declared Content-Length over the limit is refused before a byte
// is read, a streamed body is cut off as soon as it passes the limit, and JSON is decoded with an
// error that says what was wrong. Errors are values.

import type { IncomingMessage } from 'node:http';

export type BodyResult<T> = { ok: true; value: T } | { ok: false; status: 400 | 413; error: string };

/** The body as UTF-8 text (`''` when there is none). */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult<string>> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve({ ok: false, status: 413, error: `Request body too large: ${declared} bytes (limit ${limit})` });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > limit) {
        // The rest is read and dropped, so the answer can still be sent on this connection.
        done = true;
        resolve({ ok: false, status: 413, error: `Request body too large: more than ${limit} bytes` });
        return;
      }
      chunks.push(c);
    });
    req.on('error', (e) => {
      if (done) return;
      done = true;
      resolve({ ok: false, status: 400, error: `Invalid request body: ${e.message}` });
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve({ ok: true, value: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

/** The body decoded as JSON; `undefined` when it is empty (the caller decides whether that is fine). */
export async function readJson(req: IncomingMessage, limit: number): Promise<BodyResult<unknown>> {
  const text = await readBody(req, limit);
  if (!text.ok) return text;
  if (text.value.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text.value) as unknown };
  } catch (e) {
    return { ok: false, status: 400, error: `Invalid request body: malformed JSON (${(e as Error).message})` };
  }
}
