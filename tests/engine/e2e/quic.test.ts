// QUIC pool (type 1) end to end through bin/nodepass: the shared stream-pool cases (TCP both modes
// with 16 MiB each way, 200 concurrent connections, UDP both ways, server restart, session
// replacement, type and TLS from the handshake), plus what is QUIC's own: tls=0 is promoted to TLS 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ready, reversePair } from '../../helpers/tunnel';
import { streamPoolCases } from './stream-pools';

const { group, echo } = streamPoolCases({
  type: 1,
  // The client's own `type` is ignored: it adopts the server's. tls=0 runs at TLS 1 for QUIC.
  reverse: { serverQuery: 'type=1&tls=0', clientQuery: 'type=0', tls: 1 },
  forward: { serverQuery: 'type=1', clientQuery: 'type=2', tls: 1 },
});

test('type=1&tls=0: the server says why it runs TLS 1 and offers TLS=1', async () => {
  const p = await reversePair(group, echo().port, { serverQuery: 'type=1&tls=0' });
  await ready(p, 1);
  assert.match(p.server.output(), /TLS code-1: RAM cert with TLS 1\.3 for stream pool/);
  assert.doesNotMatch(p.server.output(), /TLS code-0/);
  assert.match(p.server.output(), /Sending tunnel config: FLOW=-\|MAX=1024\|TLS=1\|TYPE=1/);
  assert.match(p.client.output(), /Loading tunnel config: FLOW=-\|MAX=1024\|TLS=1\|TYPE=1/);
});
