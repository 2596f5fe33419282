// The list's headline numbers: instances running, the live in/out rates, and all bytes moved.

import { useShallow } from 'zustand/react/shallow';
import { formatBytes, formatRate } from '../../shared/format';
import { rxOf, TOTAL, txOf, ZERO_RATE } from '../../shared/traffic';
import { Icon } from '../components/Icon';
import { useT } from '../hooks/i18n';
import { useApp } from '../hooks/services';

export function InstancesSummary() {
  const t = useT();
  const counts = useApp(
    useShallow((s) => {
      let running = 0;
      let error = 0;
      let total = 0;
      let rx = 0;
      let tx = 0;
      for (const i of Object.values(s.instances)) {
        total++;
        if (i.status === 'running') running++;
        if (i.status === 'error') error++;
        rx += rxOf(i);
        tx += txOf(i);
      }
      return { running, error, total, rx, tx };
    }),
  );
  const rate = useApp((s) => s.rates[TOTAL] ?? ZERO_RATE);
  return (
    <div className="tiles" data-testid="summary">
      <div className="tile">
        <div className="tile-label">{t('summary.instances')}</div>
        <div className="tile-value">
          <span data-testid="summary-running">{counts.running}</span>
          <span className="tile-sub"> / {counts.total} {t('summary.running')}</span>
        </div>
        {counts.error > 0 && <div className="tile-note error">{t('summary.errors', { n: counts.error })}</div>}
      </div>
      <div className="tile">
        <div className="tile-label">
          <Icon name="down" size={13} className="in" /> {t('traffic.inRate')}
        </div>
        <div className="tile-value mono" data-testid="summary-in-rate">{formatRate(rate.down)}</div>
      </div>
      <div className="tile">
        <div className="tile-label">
          <Icon name="up" size={13} className="out" /> {t('traffic.outRate')}
        </div>
        <div className="tile-value mono" data-testid="summary-out-rate">{formatRate(rate.up)}</div>
      </div>
      <div className="tile">
        <div className="tile-label">{t('traffic.total')}</div>
        <div className="tile-value mono" data-testid="summary-total">{formatBytes(counts.rx + counts.tx)}</div>
        <div className="tile-note">
          ↓ {formatBytes(counts.rx)} · ↑ {formatBytes(counts.tx)}
        </div>
      </div>
    </div>
  );
}
