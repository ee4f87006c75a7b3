import React, { useEffect, useRef, useState } from 'react';
import { css, keyframes } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Button, Icon, useStyles2 } from '@grafana/ui';
import type { OpsApiError, QuietUser } from '../../api/ops-client';
import { ErrorAlert } from '../../components/ops/ErrorAlert';
import { asOpsError, useMay, useNow, useOps, usePoll } from '../../components/ops/ops-context';
import { appendPage, cooldownLeftMs, formatCooldown, lastNudgeText, withCooldown } from './quiet-list';

const PAGE_SIZE = 50;
/** How long the sparkle of a sent nudge stays before the card shows its cooldown. */
const SPARKLE_MS = 1800;

type CardState = { kind: 'sending' } | { kind: 'sent' } | { kind: 'failed'; error: OpsApiError };

export function QuietList() {
  const { client, pollMs, newId, now: clock } = useOps();
  const styles = useStyles2(getStyles);
  const poll = usePoll(() => client.quietUsers({ limit: PAGE_SIZE }), pollMs?.quiet ?? 30_000, 'quiet');
  const now = useNow(1000);
  const mayNudge = useMay('POST', 'api/ops/nudge');
  const [more, setMore] = useState<{ users: QuietUser[]; cursor: string | null } | undefined>();
  const [loadError, setLoadError] = useState<OpsApiError | undefined>();
  const [cards, setCards] = useState<Record<string, CardState>>({});
  const [overrides, setOverrides] = useState<Record<string, QuietUser>>({});
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());
  useEffect(() => {
    const pending = timers.current;
    return () => pending.forEach(clearTimeout);
  }, []);

  const firstPage = poll.data;
  const users = appendPage(firstPage?.users ?? [], more?.users ?? []).map((u) => overrides[u.id] ?? u);
  const cursor = more ? more.cursor : (firstPage?.nextCursor ?? null);

  async function loadMore() {
    if (!cursor) {
      return;
    }
    try {
      const page = await client.quietUsers({ limit: PAGE_SIZE, cursor });
      setMore({ users: [...(more?.users ?? []), ...page.users], cursor: page.nextCursor });
      setLoadError(undefined);
    } catch (err) {
      setLoadError(asOpsError(err));
    }
  }

  async function nudge(user: QuietUser) {
    setCards((c) => ({ ...c, [user.id]: { kind: 'sending' } }));
    try {
      await client.nudge(user.id, newId());
      setCards((c) => ({ ...c, [user.id]: { kind: 'sent' } }));
      // The exporter now counts the cooldown from this nudge; the card shows it once the sparkle is done.
      const timer = setTimeout(() => {
        timers.current.delete(timer);
        setCards((c) => {
          const { [user.id]: _done, ...rest } = c;
          return rest;
        });
        void poll.reload();
      }, SPARKLE_MS);
      timers.current.add(timer);
    } catch (err) {
      const error = asOpsError(err);
      setCards((c) => ({ ...c, [user.id]: { kind: 'failed', error } }));
      if (error.status === 409 && error.retryAfterSeconds !== undefined) {
        setOverrides((o) => ({ ...o, [user.id]: withCooldown(user, error.retryAfterSeconds!, clock()) }));
      }
    }
  }

  return (
    <PluginPage>
      <div className={styles.page} data-testid="quiet-list">
        {poll.error && <ErrorAlert action="Could not load the quiet list" error={poll.error} />}
        {firstPage && users.length === 0 && (
          <p className={styles.muted}>Nobody has been quiet for 10 days.</p>
        )}
        <div className={styles.grid}>
          {users.map((user) => {
            const card = cards[user.id];
            const cooling = cooldownLeftMs(user, now);
            return (
              <section
                key={user.id}
                className={styles.card}
                data-testid={`quiet-${user.id}`}
                aria-label={user.name}
              >
                <h3 className={styles.name}>{user.name}</h3>
                <div className={styles.days}>
                  <strong>{user.daysInactive}</strong> days inactive
                </div>
                <dl className={styles.facts}>
                  <dt>Crew</dt>
                  <dd>{user.crew ?? 'no crew'}</dd>
                  <dt>Last nudge</dt>
                  <dd>{lastNudgeText(user, now)}</dd>
                </dl>
                <div className={styles.action}>
                  {card?.kind === 'sent' ? (
                    <span className={styles.sparkle} data-testid="nudge-sent" role="status">
                      <span aria-hidden="true">✨</span> Nudge on its way <span aria-hidden="true">✨</span>
                    </span>
                  ) : cooling > 0 ? (
                    <span className={styles.muted} data-testid="cooldown">
                      <Icon name="clock-nine" /> Cooling down · {formatCooldown(cooling)} left
                    </span>
                  ) : (
                    <Button
                      icon="envelope"
                      disabled={!mayNudge || card?.kind === 'sending'}
                      tooltip={mayNudge ? undefined : 'Editors and admins send nudges'}
                      onClick={() => void nudge(user)}
                    >
                      {card?.kind === 'sending' ? 'Sending…' : 'Send nudge'}
                    </Button>
                  )}
                </div>
                {card?.kind === 'failed' && (
                  <ErrorAlert
                    action={`Could not nudge ${user.name}`}
                    error={card.error}
                    onRemove={() =>
                      setCards((c) => {
                        const { [user.id]: _gone, ...rest } = c;
                        return rest;
                      })
                    }
                  />
                )}
              </section>
            );
          })}
        </div>
        {loadError && <ErrorAlert action="Could not load more quiet users" error={loadError} />}
        {cursor && (
          <Button variant="secondary" onClick={() => void loadMore()}>
            Load more
          </Button>
        )}
      </div>
    </PluginPage>
  );
}

const twinkle = keyframes({
  '0%': { opacity: 0, transform: 'scale(0.6)' },
  '30%': { opacity: 1, transform: 'scale(1.15)' },
  '100%': { opacity: 1, transform: 'scale(1)' },
});

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ padding: theme.spacing(2) }),
  grid: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(240px, 1fr))',
    gap: theme.spacing(2),
    marginBottom: theme.spacing(2),
  }),
  card: css({
    background: theme.colors.background.secondary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(2),
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
  }),
  name: css({ margin: 0 }),
  days: css({ color: theme.colors.warning.text, fontVariantNumeric: 'tabular-nums' }),
  facts: css({
    display: 'grid',
    gridTemplateColumns: 'auto 1fr',
    gap: theme.spacing(0.5, 1.5),
    margin: 0,
    dt: { color: theme.colors.text.secondary },
    dd: { margin: 0 },
  }),
  action: css({ minHeight: theme.spacing(4), display: 'flex', alignItems: 'center' }),
  sparkle: css({
    color: theme.colors.success.text,
    fontWeight: theme.typography.fontWeightMedium,
    animation: `${twinkle} 600ms ease-out`,
    '@media (prefers-reduced-motion: reduce)': { animation: 'none' },
  }),
  muted: css({ color: theme.colors.text.secondary, fontVariantNumeric: 'tabular-nums' }),
});
