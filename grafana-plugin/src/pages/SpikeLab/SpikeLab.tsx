import React, { useState } from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import {
  Alert,
  Button,
  Checkbox,
  Field,
  InlineSwitch,
  Input,
  RadioButtonGroup,
  useStyles2,
} from '@grafana/ui';
import {
  CHAOS_MODES,
  PROVIDERS,
  type ChaosFault,
  type ChaosMode,
  type OpsApiError,
  type Provider,
} from '../../api/ops-client';
import { ErrorAlert } from '../../components/ops/ErrorAlert';
import { asOpsError, useMay, useNow, useOps, usePoll } from '../../components/ops/ops-context';
import {
  MODE_INFO,
  PROVIDER_LABELS,
  TARGET_LABELS,
  activeFaults,
  defaultForm,
  describeFault,
  faultInput,
  formFromFault,
  formatCountdown,
  remainingSeconds,
  type FaultForm,
} from './spike-lab';

interface Failure {
  action: string;
  mode?: ChaosMode;
  error: OpsApiError;
}

export function SpikeLab() {
  const { client, pollMs } = useOps();
  const styles = useStyles2(getStyles);
  const poll = usePoll(() => client.chaos(), pollMs?.chaos ?? 2000, 'chaos');
  const now = useNow(1000);
  const mayChange = useMay('PUT', 'api/ops/chaos/outage');
  const mayRestore = useMay('POST', 'api/ops/chaos/restore');
  const [forms, setForms] = useState<Record<ChaosMode, FaultForm>>(() => {
    const initial = {} as Record<ChaosMode, FaultForm>;
    CHAOS_MODES.forEach((m) => (initial[m] = defaultForm(m)));
    return initial;
  });
  const [busy, setBusy] = useState<string | undefined>();
  const [failure, setFailure] = useState<Failure | undefined>();

  const state = poll.data;
  const active = state ? activeFaults(state.faults, now) : [];
  const activeByMode = new Map(active.map((f) => [f.mode, f]));

  async function run(action: string, key: string, call: () => Promise<unknown>, mode?: ChaosMode) {
    setBusy(key);
    setFailure(undefined);
    try {
      await call();
    } catch (err) {
      setFailure({ action, mode, error: asOpsError(err) });
    } finally {
      await poll.reload();
      setBusy(undefined);
    }
  }

  function toggle(mode: ChaosMode, on: boolean) {
    if (on) {
      void run(
        `Could not set ${MODE_INFO[mode].label}`,
        mode,
        () => client.setFault(mode, faultInput(mode, forms[mode])),
        mode,
      );
    } else {
      void run(`Could not clear ${MODE_INFO[mode].label}`, mode, () => client.clearFault(mode), mode);
    }
  }

  const disabledReason = !state?.enabled
    ? 'Spike Lab is off on the exporter'
    : !mayChange
      ? 'Only Grafana admins set faults'
      : undefined;

  return (
    <PluginPage>
      <div
        className={cx(styles.page, active.length > 0 && styles.red)}
        data-testid="spike-lab"
        data-active-faults={active.length}
      >
        <div className={styles.header}>
          <h2 className={styles.title}>
            {!state
              ? 'Loading Spike Lab…'
              : active.length > 0
                ? `${active.length} fault${active.length > 1 ? 's' : ''} active`
                : 'All calm: no fault is set'}
          </h2>
          <Button
            variant="destructive"
            icon="history"
            size="lg"
            disabled={!mayRestore || !state?.enabled || busy !== undefined}
            tooltip={mayRestore ? 'Clears every fault at once' : 'Only Grafana admins restore calm'}
            onClick={() => void run('Could not restore calm', 'restore', () => client.restoreCalm())}
          >
            Restore Calm
          </Button>
        </div>
        {poll.error && <ErrorAlert action="Could not load Spike Lab" error={poll.error} />}
        {failure && (
          <ErrorAlert action={failure.action} error={failure.error} onRemove={() => setFailure(undefined)} />
        )}
        {state && !state.enabled && (
          <Alert severity="info" title="Spike Lab is off">
            The exporter runs without CHAOS_ENABLED=true: no fault can be set, and none is ever applied.
          </Alert>
        )}
        {state && !mayChange && state.enabled && (
          <Alert severity="info" title="Read only">
            Your Grafana role may watch the faults; admins set and clear them.
          </Alert>
        )}
        <div className={styles.grid}>
          {CHAOS_MODES.map((mode) => {
            const fault = activeByMode.get(mode);
            return (
              <ModeCard
                key={mode}
                mode={mode}
                form={fault ? formFromFault(fault, now) : forms[mode]}
                fault={fault}
                now={now}
                disabledReason={disabledReason}
                busy={busy === mode}
                fieldErrors={failure?.mode === mode ? failure.error.fieldErrors : []}
                onForm={(form) => setForms({ ...forms, [mode]: form })}
                onToggle={(on) => toggle(mode, on)}
              />
            );
          })}
        </div>
      </div>
    </PluginPage>
  );
}

function ModeCard(props: {
  mode: ChaosMode;
  form: FaultForm;
  fault: ChaosFault | undefined;
  now: number;
  disabledReason: string | undefined;
  busy: boolean;
  fieldErrors: ReadonlyArray<{ field: string; message: string }>;
  onForm: (form: FaultForm) => void;
  onToggle: (on: boolean) => void;
}) {
  const { mode, form, fault, now, disabledReason, busy, fieldErrors, onForm, onToggle } = props;
  const styles = useStyles2(getStyles);
  const info = MODE_INFO[mode];
  const locked = fault !== undefined || disabledReason !== undefined || busy;
  const errorOf = (field: string) =>
    fieldErrors.find((e) => e.field === field || e.field.startsWith(`${field}.`))?.message;
  const id = (field: string) => `spike-${mode}-${field}`;

  return (
    <section
      className={cx(styles.card, fault && styles.cardOn)}
      data-testid={`mode-${mode}`}
      aria-label={`${info.label} fault`}
    >
      <div className={styles.cardHeader}>
        <div>
          <h3 className={styles.cardTitle}>{info.label}</h3>
          <div className={styles.muted}>{info.effect}</div>
        </div>
        <InlineSwitch
          label={`${info.label} on`}
          aria-label={`${info.label} on`}
          showLabel={false}
          value={fault !== undefined}
          disabled={disabledReason !== undefined || busy}
          title={disabledReason}
          onChange={(e) => onToggle(e.currentTarget.checked)}
        />
      </div>
      {fault && (
        <div className={styles.active} data-testid={`countdown-${mode}`}>
          <strong>{formatCountdown(remainingSeconds(fault, now))}</strong> left · {describeFault(fault)} · set
          by {fault.setBy}
        </div>
      )}
      <Field label="Target" invalid={!!errorOf('target')} error={errorOf('target')}>
        <RadioButtonGroup
          id={id('target')}
          size="sm"
          disabled={locked}
          options={info.targets.map((t) => ({ value: t, label: TARGET_LABELS[t] }))}
          value={form.target}
          onChange={(target) => onForm({ ...form, target })}
        />
      </Field>
      <Field label="Providers" invalid={!!errorOf('providers')} error={errorOf('providers')}>
        <ProviderChecks
          providers={form.providers}
          disabled={locked}
          onChange={(providers) => onForm({ ...form, providers })}
        />
      </Field>
      <div className={styles.row}>
        <Field label="Probability %" invalid={!!errorOf('probability')} error={errorOf('probability')}>
          <Input
            id={id('probability')}
            width={10}
            disabled={locked}
            value={form.probability}
            onChange={(e) => onForm({ ...form, probability: e.currentTarget.value })}
          />
        </Field>
        {/* While the fault runs its countdown says how long is left. */}
        {!fault && (
          <Field label="TTL seconds" invalid={!!errorOf('ttlSeconds')} error={errorOf('ttlSeconds')}>
            <Input
              id={id('ttl')}
              width={10}
              disabled={locked}
              value={form.ttlSeconds}
              onChange={(e) => onForm({ ...form, ttlSeconds: e.currentTarget.value })}
            />
          </Field>
        )}
        {mode === 'latency' && (
          <>
            <Field label="Delay ms" invalid={!!errorOf('delayMs')} error={errorOf('delayMs')}>
              <Input
                id={id('delay')}
                width={10}
                disabled={locked}
                value={form.delayMs}
                onChange={(e) => onForm({ ...form, delayMs: e.currentTarget.value })}
              />
            </Field>
            <Field label="Jitter ms" invalid={!!errorOf('jitterMs')} error={errorOf('jitterMs')}>
              <Input
                id={id('jitter')}
                width={10}
                disabled={locked}
                value={form.jitterMs}
                onChange={(e) => onForm({ ...form, jitterMs: e.currentTarget.value })}
              />
            </Field>
          </>
        )}
      </div>
    </section>
  );
}

/** One checkbox per provider; Field hands its child `invalid`, which a plain div would pass on to the DOM. */
function ProviderChecks(props: {
  providers: Provider[];
  disabled: boolean;
  onChange: (providers: Provider[]) => void;
  invalid?: boolean;
}) {
  const styles = useStyles2(getStyles);
  const { providers, disabled, onChange } = props;
  return (
    <div className={styles.row}>
      {PROVIDERS.map((p) => (
        <Checkbox
          key={p}
          label={PROVIDER_LABELS[p]}
          disabled={disabled}
          value={providers.includes(p)}
          onChange={(e) =>
            onChange(
              e.currentTarget.checked
                ? PROVIDERS.filter((q) => q === p || providers.includes(q))
                : providers.filter((q) => q !== p),
            )
          }
        />
      ))}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({
    padding: theme.spacing(2),
    borderRadius: theme.shape.radius.default,
    border: `2px solid transparent`,
    transition: 'background-color 300ms, border-color 300ms',
  }),
  red: css({
    backgroundColor: theme.colors.error.transparent,
    borderColor: theme.colors.error.border,
  }),
  header: css({
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'space-between',
    gap: theme.spacing(2),
    marginBottom: theme.spacing(2),
  }),
  title: css({ margin: 0 }),
  grid: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(360px, 1fr))',
    gap: theme.spacing(2),
  }),
  card: css({
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(2),
  }),
  cardOn: css({ borderColor: theme.colors.error.border, boxShadow: theme.shadows.z2 }),
  cardHeader: css({
    display: 'flex',
    justifyContent: 'space-between',
    alignItems: 'flex-start',
    marginBottom: theme.spacing(1),
  }),
  cardTitle: css({ margin: 0 }),
  muted: css({ color: theme.colors.text.secondary }),
  active: css({
    color: theme.colors.error.text,
    marginBottom: theme.spacing(1),
    fontVariantNumeric: 'tabular-nums',
  }),
  row: css({ display: 'flex', gap: theme.spacing(2), flexWrap: 'wrap' }),
});
