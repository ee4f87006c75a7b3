// The app page's bundle (.harness/app.js): the packages Grafana shares with plugins, whole, and mountApp(), which
// renders the built app's root page the way Grafana does: under /a/<app id>/ in a browser router, in Grafana's
// theme and global styles, with the signed-in user of window.grafanaBootData in @grafana/runtime's config.
import React from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Route, Routes } from 'react-router-dom';
import * as grafanaRuntime from '@grafana/runtime';
import { type AppPlugin, type AppPluginMeta, PluginType, createTheme, ThemeContext } from '@grafana/data';
import { GlobalStyles } from '@grafana/ui';

import { externals, sharedSet } from './externals';

function mountApp(plugin: AppPlugin) {
  const id = 'ops-cockpit-app';
  const meta = {
    id,
    name: 'Ops Cockpit',
    type: PluginType.app,
    enabled: true,
    jsonData: {},
    info: {},
    module: `/public/plugins/${id}/module.js`,
    baseUrl: `/public/plugins/${id}`,
  } as unknown as AppPluginMeta;
  plugin.init(meta);
  plugin.meta = meta;
  const Root = plugin.root!;
  const mode = grafanaRuntime.config.bootData.user.theme === 'light' ? 'light' : 'dark';
  const theme = createTheme({ colors: { mode } });
  createRoot(document.getElementById('root')!).render(
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <BrowserRouter>
        <Routes>
          <Route
            path={`/a/${id}/*`}
            element={
              <Root meta={meta} query={{}} path={`/a/${id}`} basename={`/a/${id}`} onNavChanged={() => {}} />
            }
          />
        </Routes>
      </BrowserRouter>
    </ThemeContext.Provider>,
  );
  document.body.dataset.harness = 'ready';
}

Object.assign(window, { cockpitApp: { externals, mountApp, sharedSet } });
