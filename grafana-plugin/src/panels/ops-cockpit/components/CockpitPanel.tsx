import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2, locationUtil, PanelProps } from '@grafana/data';
import { PanelDataErrorView } from '@grafana/runtime';
import { useStyles2 } from '@grafana/ui';

import { appLinkFor } from '../model/app-links';
import { noDataMessage, toViewModel, viewOf, ViewModel } from '../model/view';
import { CockpitOptions } from '../types';
import { Ecg } from './Ecg';
import { HeatmapView } from './HeatmapView';
import { ProgressView } from './ProgressView';
import { PulseView } from './PulseView';
import { StressView } from './StressView';

/** The panel: picks the view from the `view` option; Grafana's own no-data view when the query lacks its data. */
export const CockpitPanel = ({
  options,
  data,
  width,
  height,
  id,
  fieldConfig,
  timeRange,
}: PanelProps<CockpitOptions>) => {
  const from = timeRange.from.valueOf();
  const to = timeRange.to.valueOf();
  const viewModel = useMemo(
    () => toViewModel(options, data.series, { from, to }),
    [options, data.series, from, to],
  );
  const styles = useStyles2(getStyles);
  const link = appLinkFor(viewOf(options));

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
  return (
    <div className={styles.wrapper} style={{ width, height }}>
      {view(viewModel, width, height, to)}
      {/* The matching page of the Ops Cockpit app, under Grafana's sub path when it has one. A plain anchor:
          Grafana turns clicks on in-app links into client-side navigation, and it needs no router here. */}
      <a className={styles.link} href={locationUtil.assureBaseUrl(link.path)} data-testid="app-link">
        {`${link.label} →`}
      </a>
    </div>
  );
};

function view(viewModel: ViewModel, width: number, height: number, now: number) {
  switch (viewModel.view) {
    // The newer views leave the bottom line to the app link.
    case 'pulse':
      return <PulseView tiles={viewModel.model} width={width} height={height - LINK_ROOM} now={now} />;
    case 'signal':
      return <Ecg model={viewModel.model} width={width} height={height - LINK_ROOM} />;
    case 'progress':
      return <ProgressView model={viewModel.model} width={width} height={height} />;
    case 'stress':
      return <StressView model={viewModel.model} width={width} height={height} />;
    default:
      return <HeatmapView model={viewModel.model} width={width} height={height} />;
  }
}

const LINK_ROOM = 18;

const getStyles = (theme: GrafanaTheme2) => ({
  wrapper: css({ position: 'relative' }),
  link: css({
    position: 'absolute',
    right: theme.spacing(0.5),
    bottom: 0,
    color: theme.colors.text.link,
    fontSize: theme.typography.bodySmall.fontSize,
    '&:hover': { textDecoration: 'underline' },
  }),
});
