// GET …/metrics: Prometheus text exposition format 0.0.4 (an extension; NodePass has none).
// Per instance: status, bytes, sessions, pool, ping, supervisor restarts; alias and type live on
// an `_info` series so renaming an instance does not split its time series.

import type { Instance } from '../api/types';

export interface MetricsInput {
  instances: Instance[];
  restarts: (id: string) => number;
  uptimeSeconds: number;
  sseSubscribers: number;
  sseOverflows: number;
  rssBytes: number;
}

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

class Writer {
  private readonly out: string[] = [];
  family(name: string, type: 'gauge' | 'counter', help: string, samples: Array<[Record<string, string>, number]>): void {
    this.out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [l, v] of samples) this.out.push(`${name}${labels(l)} ${Number.isFinite(v) ? v : 0}`);
  }
  text(): string {
    return this.out.join('\n') + '\n';
  }
}

export function renderMetrics(m: MetricsInput): string {
  const list = m.instances.filter((i) => i.type !== '');
  const w = new Writer();
  w.family('nodepass_instance_info', 'gauge', 'Instance metadata; the value is always 1.', list.map((i) => [{ id: i.id, alias: i.alias, type: i.type }, 1]));
  w.family('nodepass_instance_up', 'gauge', '1 when the instance status is running, else 0.', list.map((i) => [{ id: i.id }, i.status === 'running' ? 1 : 0]));
  w.family(
    'nodepass_instance_status',
    'gauge',
    'Instance status: 1 for the current status, 0 for the others.',
    list.flatMap((i) => (['running', 'stopped', 'error'] as const).map((s): [Record<string, string>, number] => [{ id: i.id, status: s }, i.status === s ? 1 : 0])),
  );
  w.family(
    'nodepass_instance_bytes_total',
    'counter',
    'Bytes relayed since the last traffic reset (rx = read from users/targets, tx = written to them).',
    list.flatMap((i): Array<[Record<string, string>, number]> => [
      [{ id: i.id, proto: 'tcp', direction: 'rx' }, i.tcprx],
      [{ id: i.id, proto: 'tcp', direction: 'tx' }, i.tcptx],
      [{ id: i.id, proto: 'udp', direction: 'rx' }, i.udprx],
      [{ id: i.id, proto: 'udp', direction: 'tx' }, i.udptx],
    ]),
  );
  w.family(
    'nodepass_instance_sessions',
    'gauge',
    'Active relayed sessions.',
    list.flatMap((i): Array<[Record<string, string>, number]> => [
      [{ id: i.id, proto: 'tcp' }, i.tcps],
      [{ id: i.id, proto: 'udp' }, i.udps],
    ]),
  );
  w.family('nodepass_instance_pool_connections', 'gauge', 'Idle pooled tunnel connections.', list.map((i) => [{ id: i.id }, i.pool]));
  w.family('nodepass_instance_ping_seconds', 'gauge', 'Last tunnel round trip (0 when unknown).', list.map((i) => [{ id: i.id }, i.ping / 1000]));
  w.family('nodepass_instance_restarts_total', 'counter', 'Restarts by the supervisor after a crash, hang or persistent error.', list.map((i) => [{ id: i.id }, m.restarts(i.id)]));
  w.family('nodepass_master_instances', 'gauge', 'Instances managed by this master.', [[{}, list.length]]);
  w.family('nodepass_master_sse_subscribers', 'gauge', 'Open event streams.', [[{}, m.sseSubscribers]]);
  w.family('nodepass_master_sse_resyncs_total', 'counter', 'Event streams closed with a resync because the subscriber fell behind.', [[{}, m.sseOverflows]]);
  w.family('nodepass_master_uptime_seconds', 'gauge', 'Seconds since the master started.', [[{}, m.uptimeSeconds]]);
  w.family('nodepass_master_resident_memory_bytes', 'gauge', "Resident memory of the master's process.", [[{}, m.rssBytes]]);
  return w.text();
}
