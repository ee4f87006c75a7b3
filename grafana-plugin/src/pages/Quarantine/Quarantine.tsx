import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, Badge, Button, useStyles2 } from '@grafana/ui';
import type { OpsApiError, QuarantinedActivity, ReviewAction } from '../../api/ops-client';
import { ErrorAlert } from '../../components/ops/ErrorAlert';
import { asOpsError, useMay, useNow, useOps, usePoll } from '../../components/ops/ops-context';
import { formatAge } from '../Incidents/incidents';
import { decisionText, formatDistance, formatMovingTime, formatSpeed } from './quarantine';

const QUEUE_LIMIT = 100;

/**
 * Activities held as impossible for their kind: each with why, and Approve (counted from now on, the challenge
 * total moves by exactly its distance) or Reject (left out for good). Both are recorded under the Grafana login.
 */
export function Quarantine() {
  const { client, pollMs } = useOps();
  const styles = useStyles2(getStyles);
  const poll = usePoll(() => client.quarantine(QUEUE_LIMIT), pollMs?.quarantine ?? 5000, 'quarantine');
  const now = useNow(1000);
  const mayDecide = useMay('POST', 'api/ops/quarantine/1/approve');
  const [decided, setDecided] = useState<Set<number>>(new Set());
  const [pending, setPending] = useState<number | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [failure, setFailure] = useState<
    { id: number; action: ReviewAction; error: OpsApiError } | undefined
  >();

  const rows = (poll.data?.activities ?? []).filter((a) => !decided.has(a.id));

  async function decide(activity: QuarantinedActivity, action: ReviewAction) {
    setPending(activity.id);
    setFailure(undefined);
    try {
      const decision = await client.review(activity.id, action);
      setDecided((prev) => new Set(prev).add(activity.id));
      setNotice(decisionText(activity, decision.review, decision.deltaM));
      await poll.reload();
    } catch (err) {
      setFailure({ id: activity.id, action, error: asOpsError(err) });
    } finally {
      setPending(undefined);
    }
  }

  return (
    <PluginPage>
      <div className={styles.page} data-testid="quarantine">
        <p className={styles.muted}>
          Activities impossible for their kind (speed, distance or moving time past the limits) are stored but
          count nowhere until someone decides. {poll.data && `${poll.data.total} waiting.`}
        </p>
        {poll.error && <ErrorAlert action="Could not load the review queue" error={poll.error} />}
        {failure && (
          <ErrorAlert
            action={`Could not ${failure.action} activity #${failure.id}`}
            error={failure.error}
            onRemove={() => setFailure(undefined)}
          />
        )}
        {notice && (
          <Alert
            title={notice}
            severity="success"
            onRemove={() => setNotice(undefined)}
            data-testid="decision"
          />
        )}
        {poll.data && rows.length === 0 && <p className={styles.muted}>Nothing is held for review.</p>}
        <ol className={styles.queue} aria-label="Held activities">
          {rows.map((a) => (
            <li key={a.id} className={styles.row} data-testid={`held-${a.id}`}>
              <Badge text={a.category} color="orange" />
              <span className={styles.who}>
                <strong>{a.userName}</strong>
                <span className={styles.muted}>
                  {a.provider} {a.type} · {a.externalId}
                </span>
              </span>
              <span className={styles.figures}>
                {formatDistance(a.distanceM)} · {formatMovingTime(a.movingTimeS)} · {formatSpeed(a)}
              </span>
              <span className={styles.reason}>{a.reason}</span>
              <span className={styles.muted} title={a.heldSince}>
                held {formatAge(a.heldSince, now)}
              </span>
              <span className={styles.actions}>
                <Button
                  size="sm"
                  icon="check"
                  disabled={!mayDecide || pending === a.id}
                  aria-label={`Approve activity #${a.id}${mayDecide ? '' : ' (editors and admins)'}`}
                  onClick={() => void decide(a, 'approve')}
                >
                  Approve
                </Button>
                <Button
                  size="sm"
                  variant="destructive"
                  icon="times"
                  disabled={!mayDecide || pending === a.id}
                  aria-label={`Reject activity #${a.id}${mayDecide ? '' : ' (editors and admins)'}`}
                  onClick={() => void decide(a, 'reject')}
                >
                  Reject
                </Button>
              </span>
            </li>
          ))}
        </ol>
      </div>
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ padding: theme.spacing(2) }),
  queue: css({ listStyle: 'none', margin: 0, padding: 0 }),
  row: css({
    display: 'grid',
    gridTemplateColumns: '70px minmax(0, 220px) minmax(0, 260px) 1fr auto auto',
    alignItems: 'center',
    gap: theme.spacing(1.5),
    padding: theme.spacing(1, 1.5),
    borderBottom: `1px solid ${theme.colors.border.weak}`,
  }),
  who: css({ display: 'flex', flexDirection: 'column', overflowWrap: 'anywhere' }),
  figures: css({ fontVariantNumeric: 'tabular-nums' }),
  reason: css({ color: theme.colors.warning.text, overflowWrap: 'anywhere' }),
  actions: css({ display: 'flex', gap: theme.spacing(1) }),
  muted: css({ color: theme.colors.text.secondary, fontVariantNumeric: 'tabular-nums' }),
});
