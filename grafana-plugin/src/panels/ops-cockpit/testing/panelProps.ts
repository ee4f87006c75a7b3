import {
  dateTime,
  EventBusSrv,
  getDefaultTimeRange,
  LoadingState,
  PanelData,
  PanelProps,
  DataFrame,
} from '@grafana/data';

import { CockpitOptions, DEFAULT_OPTIONS } from '../types';

/** Real `PanelProps` as Grafana passes them to a panel, for tests and the browser harness. */
export function panelProps(
  series: DataFrame[],
  options: Partial<CockpitOptions> = {},
  size: { width: number; height: number } = { width: 640, height: 280 },
  range?: { from: number; to: number },
): PanelProps<CockpitOptions> {
  const timeRange = range
    ? { from: dateTime(range.from), to: dateTime(range.to), raw: { from: 'now-10m', to: 'now' } }
    : getDefaultTimeRange();
  const data: PanelData = { state: LoadingState.Done, series, timeRange };
  const ignore = () => undefined;
  return {
    id: 1,
    title: 'Ops Cockpit',
    data,
    timeRange,
    timeZone: 'utc',
    options: { ...DEFAULT_OPTIONS, ...options },
    fieldConfig: { defaults: {}, overrides: [] },
    transparent: false,
    width: size.width,
    height: size.height,
    renderCounter: 0,
    replaceVariables: (value: string) => value,
    onOptionsChange: ignore,
    onFieldConfigChange: ignore,
    onChangeTimeRange: ignore,
    eventBus: new EventBusSrv(),
  };
}
