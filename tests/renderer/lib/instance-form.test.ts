// The create/edit form's state, without a DOM: a pasted or typed URL fills the fields (or shows
// why it cannot), editing a field rewrites the URL, issues show once they are the user's business,
// and the paired client follows the server.

import { describe, expect, it } from 'vitest';
import { formView, initialFormState, instanceFormReducer as reduce, type InstanceFormAction, type InstanceFormState } from '../../../renderer/lib/instance-form';

const run = (...actions: InstanceFormAction[]): InstanceFormState => actions.reduce(reduce, initialFormState());

describe('instance form state', () => {
  it('a pasted URL fills the fields, marks them touched and opens the advanced part it uses', () => {
    const s = run({ type: 'urlText', text: 'client://secret@srv.example:10101/127.0.0.1:8080?mode=2&dns=5m' });
    expect(s.fields).toEqual({ scheme: 'client', key: 'secret', tunnel: 'srv.example:10101', targets: ['127.0.0.1:8080'], params: { mode: '2', dns: '5m' } });
    expect(s.touched).toEqual({ tunnel: true, targets: true, key: true });
    expect(s.advanced).toBe(true);
    expect(formView(s).urlValid).toBe(true);
  });

  it('a URL that does not parse keeps the fields and shows the URL as typed with its issue', () => {
    const before = run({ type: 'fields', patch: { tunnel: ':10101', targets: ['127.0.0.1:80'] } });
    const s = reduce(before, { type: 'urlText', text: 'master://127.0.0.1:9090/api' });
    expect(s.fields).toEqual(before.fields);
    const v = formView(s);
    expect([v.urlShown, v.urlValid, s.urlIssues.map((i) => i.message)]).toEqual(['master://127.0.0.1:9090/api', false, ['scheme "master": expected server or client']]);
    // Leaving the box keeps the text while it is wrong; once right, the box shows the fields' URL.
    expect(formView(reduce(s, { type: 'urlBlur' })).urlShown).toBe('master://127.0.0.1:9090/api');
    const fixed = reduce(reduce(s, { type: 'urlText', text: 'server://:10101/127.0.0.1:80?log=warn' }), { type: 'urlBlur' });
    expect([fixed.urlText, formView(fixed).urlShown]).toEqual([null, 'server://:10101/127.0.0.1:80?log=warn']);
  });

  it('editing a field rewrites the URL box; address issues wait for a touch or a submit, parameter issues do not', () => {
    let s = run({ type: 'fields', patch: { targets: ['127.0.0.1:80'] } }, { type: 'fields', patch: { tunnel: 'bad/host:1' } });
    let v = formView(s);
    expect(v.urlShown).toBe('server://bad/host:1/127.0.0.1:80');
    expect(v.shown('tunnel')).toBeUndefined();
    s = reduce(s, { type: 'touch', field: 'tunnel' });
    expect(formView(s).shown('tunnel')?.[0].message).toBe('tunnel address "bad/host:1": expected host:port');
    s = reduce(s, { type: 'param', name: 'slot', value: '-1' });
    v = formView(s);
    expect(v.paramIssues('slot')?.length).toBe(1);
    expect(v.allIssues).toEqual([]);
    s = reduce(s, { type: 'submit' });
    expect(formView(s).allIssues.map((i) => i.param)).toEqual(['tunnel address', 'slot']);
    expect(formView(s).valid).toBe(false);
  });

  it('a paired client follows the server: same key and port, loopback for a wildcard listener', () => {
    let s = run({ type: 'urlText', text: 'server://k3y@:10101/127.0.0.1:8080' }, { type: 'pair', on: true });
    expect(formView(s).pairCheck?.url).toBe('client://k3y@127.0.0.1:10101/?mode=2');
    s = reduce(s, { type: 'pairTargets', targets: ['127.0.0.1:9000'] });
    const v = formView(s);
    expect(v.pairCheck?.url).toBe('client://k3y@127.0.0.1:10101/127.0.0.1:9000?mode=2');
    expect(v.valid).toBe(true);
    expect(formView(reduce(s, { type: 'fields', patch: { scheme: 'client' } })).pairCheck).toBeNull();
  });

  it('an edit loads its record once; a failed save ends saving and says why', () => {
    let s = reduce(initialFormState(), { type: 'load', key: 'local/abc', url: 'server://:10101/127.0.0.1:80?log=warn', alias: 'web' });
    expect([s.loadedFor, s.alias, s.fields.params]).toEqual(['local/abc', 'web', { log: 'warn' }]);
    s = reduce(reduce(reduce(s, { type: 'submit' }), { type: 'saving', saving: true }), { type: 'failed', error: 'Instance URL conflict' });
    expect([s.saving, s.serverError, s.submitted]).toEqual([false, 'Instance URL conflict', true]);
    expect(reduce(s, { type: 'submit' }).serverError).toBe('');
  });
});
