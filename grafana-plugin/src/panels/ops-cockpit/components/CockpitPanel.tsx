import React, { useMemo } from 'react';
import { PanelProps } from '@grafana/data';
import { PanelDataErrorView } from '@grafana/runtime';

import { noDataMessage, toViewModel } from '../model/view';
import { CockpitOptions } from '../types';
import { HeatmapView } from './HeatmapView';
import { ProgressView } from './ProgressView';
import { StressView } from './StressView';

/** The panel: picks the view from the `view` option; Grafana's own no-data view when the query lacks its data. */
export const CockpitPanel = ({
  options,
  data,
  width,
  height,
  id,
  fieldConfig,
}: PanelProps<CockpitOptions>) => {
  const viewModel = useMemo(() => toViewModel(options, data.series), [options, data.series]);

  if (!viewModel) {
    return (
      <PanelDataErrorView
        panelId={id}
        fieldConfig={fieldConfig}
        data={data}
        message={noDataMessage(options, data.series)}
      />
    );
  }
  switch (viewModel.view) {
    case 'progress':
      return <ProgressView model={viewModel.model} width={width} height={height} />;
    case 'stress':
      return <StressView model={viewModel.model} width={width} height={height} />;
    default:
      return <HeatmapView model={viewModel.model} width={width} height={height} />;
  }
};
