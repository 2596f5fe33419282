// Toasts render in the language shown now: one raised just before the user switches language
// follows the switch; a dismissed one is gone.

import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, describe, expect, it } from 'vitest';
import { Toasts } from '../../../renderer/components/Toasts';
import { Providers } from '../../../renderer/hooks/services';
import { testServices } from '../helpers/services';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const svc = testServices();
afterEach(() => svc.dispose());

describe('toasts', () => {
  it('follow the language, and go when dismissed', async () => {
    const host = document.createElement('div');
    document.body.append(host);
    const root = createRoot(host);
    await act(async () =>
      root.render(
        <Providers prefs={svc.prefs} services={svc}>
          <Toasts />
        </Providers>,
      ),
    );
    await act(async () => svc.store.toast('info', (t) => t('transfer.imported', { n: 2 })));
    expect(host.querySelector('.toast')?.textContent).toBe('2 instance(s) imported.');
    await act(async () => svc.prefs.set({ locale: 'zh' }));
    expect(host.querySelector('.toast')?.textContent).toBe('已导入 2 个实例。');
    await act(async () => (host.querySelector('.toast button') as HTMLButtonElement).click());
    expect(host.querySelectorAll('.toast')).toHaveLength(0);
    await act(async () => root.unmount());
    host.remove();
  });
});
