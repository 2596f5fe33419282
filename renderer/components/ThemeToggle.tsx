import { useT } from '../hooks/i18n';
import { usePrefs, usePrefsStore } from '../hooks/services';
import { Icon } from './Icon';

export function ThemeToggle() {
  const t = useT();
  const prefs = usePrefsStore();
  const theme = usePrefs((s) => s.theme);
  const next = theme === 'dark' ? 'light' : 'dark';
  return (
    <button type="button" className="btn ghost small" data-testid="theme-toggle" onClick={() => prefs.setTheme(next)} title={t(`theme.${next}`)}>
      <Icon name={theme === 'dark' ? 'sun' : 'moon'} size={14} />
      {t(`theme.${next}`)}
    </button>
  );
}
