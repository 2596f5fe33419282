// How the desktop serves the renderer bundle, whoever serves it (headless HTTP, Electron's app://):
// which file a path names, and the content types. (The policy itself is checked on the built page
// and on real responses in tests/electron/hardening and tests/desktop/webui.)

import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { contentTypeOf, fileInBundle } from '../../desktop/bundle';

const ROOT = path.resolve('/srv/bundle');

describe('the renderer bundle', () => {
  it('maps URL paths into the bundle and never out of it', () => {
    const file = (p: string) => fileInBundle(ROOT, p);
    assert.deepEqual(file('/assets/index.js'), { ok: true, file: path.join(ROOT, 'assets', 'index.js') });
    assert.deepEqual(file('/'), { ok: true, file: ROOT });
    assert.deepEqual(file('/a%20b.css'), { ok: true, file: path.join(ROOT, 'a b.css') });
    for (const up of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd', '/assets/../../../etc/passwd']) {
      assert.deepEqual(file(up), { ok: true, file: path.join(ROOT, 'etc', 'passwd') }, up);
    }
    assert.deepEqual(file('/a%00.js'), { ok: false, status: 400 });
    assert.deepEqual(file('/%E0%A4%A'), { ok: false, status: 400 });
  });

  it('knows the content types the bundle has', () => {
    assert.equal(contentTypeOf('/x/index.html'), 'text/html; charset=utf-8');
    assert.equal(contentTypeOf('/x/a.js'), 'text/javascript; charset=utf-8');
    assert.equal(contentTypeOf('/x/a.CSS'), 'text/css; charset=utf-8');
    assert.equal(contentTypeOf('/x/font.woff2'), 'font/woff2');
    assert.equal(contentTypeOf('/x/blob.bin'), 'application/octet-stream');
  });
});
