// Pure helpers of the fleet views: export/import (with and without secrets), tag search and
// ordering, and history buckets.

import { describe, expect, it } from 'vitest';
import { exportInstances, parseImport, relinkPeers, stripSecrets, type SourceInstance } from '../../../renderer/lib/transfer';
import { applyOrder, matchesQuery, moveKey, parseQuery } from '../../../renderer/lib/search';
import { historySeries } from '../../../renderer/lib/history';

const peer0 = { sid: '', type: '', alias: '' };
const list: SourceInstance[] = [
  { id: 'aaaa0001', alias: 'web', url: 'server://s3cret@:10101/127.0.0.1:8080?tls=2&crt=/etc/np/c.pem&key=/etc/np/k.pem&log=info', restart: true, meta: { peer: { sid: 'aaaa0002', type: 'client', alias: 'web-c' }, tags: { site: 'berlin', tier: 'prod' } } },
  { id: 'aaaa0002', alias: 'web-c', url: 'client://s3cret@1.2.3.4:10101/127.0.0.1:80', restart: false, meta: { peer: { sid: 'aaaa0001', type: 'server', alias: 'web' }, tags: {} } },
  { id: 'aaaa0003', alias: 'plain', url: 'client://127.0.0.1:1080/10.0.0.5:1080', restart: true, meta: { peer: peer0, tags: {} } },
];

describe('export / import', () => {
  it('strips the tunnel key and certificate paths, and says so per instance and in a note', () => {
    expect(stripSecrets(list[0].url)).toEqual({ url: 'server://:10101/127.0.0.1:8080?tls=2&log=info', omitted: ['tunnel key', 'crt', 'key'] });
    const f = exportInstances(list, { secrets: false, now: new Date(0) });
    expect(f.secrets).toBe(false);
    expect(f.note).toContain('2 instance(s)');
    expect(f.instances.map((i) => i.omitted ?? [])).toEqual([['tunnel key', 'crt', 'key'], ['tunnel key'], []]);
    expect(JSON.stringify(f)).not.toContain('s3cret');
    expect(JSON.stringify(f)).not.toContain('/etc/np');
  });

  it('with secrets, an import reads back exactly what was exported', () => {
    const f = exportInstances(list, { secrets: true });
    expect(f.note).toBeUndefined();
    const back = parseImport(JSON.stringify(f));
    expect(back.ok).toBe(true);
    if (!back.ok) return;
    expect(back.secrets).toBe(true);
    expect(back.omitted).toBe(0);
    expect(back.value.map((i) => [i.alias, i.url, i.restart, i.meta.tags])).toEqual(list.map((i) => [i.alias, i.url, i.restart, i.meta?.tags]));
    // Peer links follow the new IDs.
    const relinked = relinkPeers(back.value, new Map([['aaaa0001', 'new1'], ['aaaa0002', 'new2']]));
    expect(relinked.get('new1')).toEqual({ sid: 'new2', type: 'client', alias: 'web-c' });
    expect(relinked.get('new2')).toEqual({ sid: 'new1', type: 'server', alias: 'web' });
  });

  it('without secrets, an import knows which instances come without them', () => {
    const back = parseImport(JSON.stringify(exportInstances(list, { secrets: false })));
    expect(back.ok && back.omitted).toBe(2);
  });

  it('rejects what is not an export, naming the field', () => {
    expect(parseImport('{')).toMatchObject({ ok: false });
    expect(parseImport('{"format":"x"}')).toEqual({ ok: false, error: 'format: expected "nodepass-desktop-instances"' });
    const base = { format: 'nodepass-desktop-instances', version: 1 };
    expect(parseImport(JSON.stringify({ ...base, version: 2, instances: [] }))).toEqual({ ok: false, error: 'version: expected 1, got 2' });
    expect(parseImport(JSON.stringify({ ...base, instances: [{ url: 'master://x' }] }))).toEqual({ ok: false, error: 'instances[0].url: expected a server:// or client:// URL' });
    expect(parseImport(JSON.stringify({ ...base, instances: [{ url: 'client://a:1/b:2', meta: { tags: { a: 1 } } }] }))).toEqual({ ok: false, error: 'instances[0].meta.tags.a: expected text' });
  });
});

describe('search', () => {
  const q = (text: string) => list.filter((i) => matchesQuery({ ...i, id: i.id!, masterName: i.id === 'aaaa0003' ? 'Tokyo 1' : 'This computer' }, parseQuery(text))).map((i) => i.alias);

  it('plain words match name, ID, address and tags; all words must match', () => {
    expect(q('web')).toEqual(['web', 'web-c']);
    expect(q('1.2.3.4')).toEqual(['web-c']);
    expect(q('aaaa0003')).toEqual(['plain']);
    expect(q('berlin')).toEqual(['web']);
    expect(q('web berlin')).toEqual(['web']);
    expect(q('WEB PROD')).toEqual(['web']);
  });

  it('#value, tag:value and tag:key=value match tags only; master: matches the master', () => {
    expect(q('#berlin')).toEqual(['web']);
    expect(q('#web')).toEqual([]);
    expect(q('tag:tier=prod')).toEqual(['web']);
    expect(q('tag:tier=dev')).toEqual([]);
    expect(q('tag:site')).toEqual(['web']);
    expect(q('master:tokyo')).toEqual(['plain']);
    expect(q('master:"tokyo 1"')).toEqual(['plain']);
  });

  it('the user order wins; new keys follow by name', () => {
    expect(moveKey(['a', 'b', 'c'], 'c', 'a')).toEqual(['c', 'a', 'b']);
    expect(moveKey(['a', 'b', 'c'], 'a', null)).toEqual(['b', 'c', 'a']);
    expect(applyOrder(['z', 'b', 'a', 'new'], ['b', 'z'], (x, y) => x.localeCompare(y))).toEqual(['b', 'z', 'a', 'new']);
  });
});

describe('history series', () => {
  it('lays buckets on a continuous axis with zeros between, and sums the range', () => {
    const now = Date.UTC(2026, 0, 1, 12, 30, 20);
    const minute = (m: number) => Date.UTC(2026, 0, 1, 12, m);
    const pts = [
      { t: minute(10), tcprx: 100, tcptx: 50, udprx: 1, udptx: 2 },
      { t: minute(30), tcprx: 1000, tcptx: 500, udprx: 0, udptx: 0 },
      { t: minute(30) - 2 * 3600_000, tcprx: 9999, tcptx: 9999, udprx: 0, udptx: 0 },
    ];
    const s = historySeries(pts, 'hour', now);
    expect(s.xs.length).toBe(60);
    expect(s.xs[59] * 1000).toBe(minute(30));
    expect(s.rx[59]).toBe(1000);
    expect(s.rx[39]).toBe(101);
    expect(s.tx[39]).toBe(52);
    expect(s.active).toBe(2);
    expect([s.totalRx, s.totalTx]).toEqual([1101, 552]);
    expect(historySeries(pts, 'day', now).active).toBe(3);
    expect(historySeries([], 'week', now).xs.length).toBe(168);
  });
});
