import React, { useEffect, useRef, useState } from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Badge, Field, IconButton, RadioButtonGroup, useStyles2, type BadgeColor } from '@grafana/ui';
import type { Incident, IncidentLevel, IncidentStateFilter, OpsApiError } from '../../api/ops-client';
import { ErrorAlert } from '../../components/ops/ErrorAlert';
import { asOpsError, useMay, useNow, useOps, usePoll } from '../../components/ops/ops-context';
import {
  byLevel,
  formatAge,
  freshIds,
  incidentState,
  newestFirst,
  typedLength,
  withIncident,
  type LevelFilter,
} from './incidents';

const FEED_LIMIT = 200;

const STATE_OPTIONS: Array<{ value: IncidentStateFilter; label: string }> = [
  { value: 'all', label: 'All' },
  { value: 'open', label: 'Open' },
  { value: 'acknowledged', label: 'Acknowledged' },
  { value: 'resolved', label: 'Resolved' },
];

const LEVEL_OPTIONS: Array<{ value: LevelFilter; label: string }> = [
  { value: 'all', label: 'All levels' },
  { value: 'critical', label: 'Critical' },
  { value: 'error', label: 'Error' },
  { value: 'warn', label: 'Warn' },
];

const LEVEL_COLORS: Record<IncidentLevel, BadgeColor> = { critical: 'red', error: 'orange', warn: 'blue' };

export function Incidents() {
  const { client, pollMs } = useOps();
  const styles = useStyles2(getStyles);
  const [stateFilter, setStateFilter] = useState<IncidentStateFilter>('all');
  const [level, setLevel] = useState<LevelFilter>('all');
  const poll = usePoll(
    () => client.incidents(stateFilter, FEED_LIMIT),
    pollMs?.incidents ?? 5000,
    stateFilter,
  );
  const now = useNow(1000);
  const mayAcknowledge = useMay('POST', 'api/ops/incidents/1/acknowledge');
  const [acked, setAcked] = useState<Incident[]>([]);
  const [pending, setPending] = useState<number | undefined>();
  const [failure, setFailure] = useState<{ id: number; error: OpsApiError } | undefined>();

  // Which rows the feed has already shown, so only newcomers are typed in.
  const seen = useRef<Set<number>>(new Set());
  const [fresh, setFresh] = useState<Set<number>>(new Set());
  useEffect(() => {
    if (!poll.data) {
      seen.current = new Set();
      return;
    }
    const arrived = freshIds(seen.current, poll.data);
    poll.data.forEach((i) => seen.current.add(i.id));
    if (arrived.size > 0) {
      setFresh(arrived);
    }
  }, [poll.data]);

  let rows = poll.data ?? [];
  acked.forEach((a) => (rows = withIncident(rows, a)));
  rows = byLevel(newestFirst(rows), level);

  async function acknowledge(incident: Incident) {
    setPending(incident.id);
    setFailure(undefined);
    try {
      const updated = await client.acknowledge(incident.id);
      setAcked((prev) => [...prev.filter((a) => a.id !== updated.id), updated]);
      await poll.reload();
    } catch (err) {
      setFailure({ id: incident.id, error: asOpsError(err) });
    } finally {
      setPending(undefined);
    }
  }

  return (
    <PluginPage>
      <div className={styles.page} data-testid="incidents">
        <div className={styles.filters}>
          <Field label="State">
            <RadioButtonGroup
              aria-label="State"
              options={STATE_OPTIONS}
              value={stateFilter}
              onChange={(v) => {
                setAcked([]);
                setStateFilter(v);
              }}
            />
          </Field>
          <Field label="Level">
            <RadioButtonGroup aria-label="Level" options={LEVEL_OPTIONS} value={level} onChange={setLevel} />
          </Field>
        </div>
        {poll.error && <ErrorAlert action="Could not load incidents" error={poll.error} />}
        {failure && (
          <ErrorAlert
            action={`Could not acknowledge incident #${failure.id}`}
            error={failure.error}
            onRemove={() => setFailure(undefined)}
          />
        )}
        {poll.data && rows.length === 0 && <p className={styles.muted}>No incidents match these filters.</p>}
        <ol className={styles.feed} aria-label="Incident feed">
          {rows.map((incident) => (
            <IncidentRow
              key={incident.id}
              incident={incident}
              now={now}
              fresh={fresh.has(incident.id)}
              pending={pending === incident.id}
              mayAcknowledge={mayAcknowledge}
              onAcknowledge={() => void acknowledge(incident)}
            />
          ))}
        </ol>
      </div>
    </PluginPage>
  );
}

function IncidentRow(props: {
  incident: Incident;
  now: number;
  fresh: boolean;
  pending: boolean;
  mayAcknowledge: boolean;
  onAcknowledge: () => void;
}) {
  const { incident, now, fresh, pending, mayAcknowledge, onAcknowledge } = props;
  const styles = useStyles2(getStyles);
  const state = incidentState(incident);
  const done = state !== 'open';
  return (
    <li
      className={cx(styles.row, done && styles.done)}
      data-testid={`incident-${incident.id}`}
      data-state={state}
      data-level={incident.level}
    >
      <IconButton
        name={done ? 'check-circle' : 'check'}
        size="lg"
        variant={done ? 'secondary' : 'primary'}
        // IconButton names itself after its tooltip.
        tooltip={
          done
            ? `Incident #${incident.id} is ${state}`
            : `Acknowledge incident #${incident.id}${mayAcknowledge ? '' : ' (editors and admins)'}`
        }
        disabled={done || pending || !mayAcknowledge}
        onClick={onAcknowledge}
      />
      <Badge text={incident.level} color={LEVEL_COLORS[incident.level]} />
      <span className={cx(styles.message, state === 'acknowledged' && styles.struck)}>
        {fresh ? <TypedText text={incident.message} /> : incident.message}
      </span>
      <span className={styles.muted}>{incident.source}</span>
      <span className={styles.muted} title={incident.startedAt}>
        {formatAge(incident.startedAt, now)}
      </span>
      <span className={styles.who}>
        {state === 'acknowledged' &&
          `acknowledged by ${incident.acknowledgedBy ?? 'unknown'} ${formatAge(incident.acknowledgedAt!, now)} ago`}
        {state === 'resolved' && `resolved ${formatAge(incident.resolvedAt!, now)} ago`}
      </span>
    </li>
  );
}

/** A newly arrived message, typed in character by character (at once for people who ask for less motion). */
function TypedText({ text }: { text: string }) {
  const reduced =
    typeof window !== 'undefined' && window.matchMedia?.('(prefers-reduced-motion: reduce)').matches === true;
  const [shown, setShown] = useState(reduced ? text.length : 0);
  useEffect(() => {
    if (reduced) {
      return;
    }
    const started = performance.now();
    let frame = 0;
    const step = () => {
      const n = typedLength(text.length, performance.now() - started);
      setShown(n);
      if (n < text.length) {
        frame = requestAnimationFrame(step);
      }
    };
    frame = requestAnimationFrame(step);
    return () => cancelAnimationFrame(frame);
  }, [text, reduced]);
  return (
    <span data-testid="typed" data-typing={shown < text.length}>
      {text.slice(0, shown)}
      {shown < text.length && <span aria-hidden="true">▍</span>}
    </span>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ padding: theme.spacing(2) }),
  filters: css({ display: 'flex', gap: theme.spacing(3), flexWrap: 'wrap' }),
  feed: css({ listStyle: 'none', margin: 0, padding: 0 }),
  row: css({
    display: 'grid',
    gridTemplateColumns: 'auto 80px 1fr auto 70px minmax(0, 320px)',
    alignItems: 'center',
    gap: theme.spacing(1.5),
    padding: theme.spacing(1, 1.5),
    borderBottom: `1px solid ${theme.colors.border.weak}`,
  }),
  done: css({ opacity: 0.75 }),
  message: css({ fontWeight: theme.typography.fontWeightMedium, overflowWrap: 'anywhere' }),
  struck: css({ textDecoration: 'line-through' }),
  muted: css({ color: theme.colors.text.secondary, fontVariantNumeric: 'tabular-nums' }),
  who: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});
