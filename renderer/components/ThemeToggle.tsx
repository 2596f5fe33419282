import { useT } from '../hooks/i18n';
import { setTheme, usePrefs } from '../store/prefs';
import { Icon } from './Icon';

export function ThemeToggle() {
  const t = useT();
  const theme = usePrefs((s) => s.theme);
  const next = theme === 'dark' ? 'light' : 'dark';
  return (
    <button type="button" className="btn ghost small" data-testid="theme-toggle" onClick={() => setTheme(next)} title={t(`theme.${next}`)}>
      <Icon name={theme === 'dark' ? 'sun' : 'moon'} size={14} />
      {t(`theme.${next}`)}
    </button>
  );
}
