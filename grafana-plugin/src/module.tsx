import React, { Suspense, lazy, useMemo } from 'react';
import { AppPlugin, type AppRootProps } from '@grafana/data';
import { LoadingPlaceholder } from '@grafana/ui';
import type { AppConfigProps } from './components/AppConfig/AppConfig';
import type { AppJsonData } from './components/AppConfig/app-settings';
import { grafanaDeps } from './components/ops/grafana-deps';

const LazyApp = lazy(() => import('./components/App/App'));
const LazyAppConfig = lazy(() => import('./components/AppConfig/AppConfig'));

const App = (props: AppRootProps<AppJsonData>) => {
  const deps = useMemo(() => grafanaDeps(), []);
  return (
    <Suspense fallback={<LoadingPlaceholder text="" />}>
      <LazyApp {...props} deps={deps} />
    </Suspense>
  );
};

const AppConfig = (props: AppConfigProps) => (
  <Suspense fallback={<LoadingPlaceholder text="" />}>
    <LazyAppConfig {...props} />
  </Suspense>
);

export const plugin = new AppPlugin<AppJsonData>().setRootPage(App).addConfigPage({
  title: 'Configuration',
  icon: 'cog',
  body: AppConfig,
  id: 'configuration',
});
