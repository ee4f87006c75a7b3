import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2, locationUtil, PanelProps } from '@grafana/data';
import { PanelDataErrorView } from '@grafana/runtime';
import { useStyles2 } from '@grafana/ui';

import { appLinkFor } from '../model/app-links';
import { noDataMessage, toViewModel, viewOf } from '../model/view';
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
      {view(viewModel, width, height)}
      {/* The matching page of the Ops Cockpit app, under Grafana's sub path when it has one. A plain anchor:
          Grafana turns clicks on in-app links into client-side navigation, and it needs no router here. */}
      <a className={styles.link} href={locationUtil.assureBaseUrl(link.path)} data-testid="app-link">
        {`${link.label} →`}
      </a>
    </div>
  );
};

function view(viewModel: NonNullable<ReturnType<typeof toViewModel>>, width: number, height: number) {
  switch (viewModel.view) {
    case 'progress':
      return <ProgressView model={viewModel.model} width={width} height={height} />;
    case 'stress':
      return <StressView model={viewModel.model} width={width} height={height} />;
    default:
      return <HeatmapView model={viewModel.model} width={width} height={height} />;
  }
}

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
