import { RXJS_MODULE_PATH, RXWS_MODULE_PATH, bundleBrowserModules } from '../../examples/browser-modules';

describe('examples/browser-modules', () => {
  it('bundles the rxws browser entry (rxjs left as a bare import) and rxjs as ES modules', async () => {
    const modules = await bundleBrowserModules();
    expect([...modules.keys()]).toEqual([RXWS_MODULE_PATH, RXJS_MODULE_PATH]);
    const rxws = modules.get(RXWS_MODULE_PATH)!;
    expect(rxws).toMatch(/from"rxjs"/);
    expect(rxws).toMatch(/ReconnectingClient/);
    expect(rxws).not.toMatch(/node:/);
    const rxjs = modules.get(RXJS_MODULE_PATH)!;
    expect(rxjs).toMatch(/export\{/);
    expect(rxjs).not.toMatch(/from"rxjs"/);
  });
});
