import React from 'react';
import { Route, Routes } from 'react-router-dom';
import type { AppRootProps } from '@grafana/data';
import { ROUTES } from '../../constants';
import { OpsProvider, type OpsDeps } from '../ops/ops-context';
import { SpikeLab } from '../../pages/SpikeLab/SpikeLab';
import { Incidents } from '../../pages/Incidents/Incidents';
import { QuietList } from '../../pages/QuietList/QuietList';
import { LiveSignal } from '../../pages/LiveSignal/LiveSignal';
import { Quarantine } from '../../pages/Quarantine/Quarantine';

export type AppProps = AppRootProps & { deps: OpsDeps };

/** The app's pages under /a/<app id>/; anything else lands on Spike Lab, the default page in plugin.json. */
function App({ deps }: AppProps) {
  return (
    <OpsProvider deps={deps}>
      <Routes>
        <Route path={ROUTES.Incidents} element={<Incidents />} />
        <Route path={ROUTES.QuietList} element={<QuietList />} />
        <Route path={ROUTES.LiveSignal} element={<LiveSignal />} />
        <Route path={ROUTES.Quarantine} element={<Quarantine />} />
        <Route path="*" element={<SpikeLab />} />
      </Routes>
    </OpsProvider>
  );
}

export default App;
