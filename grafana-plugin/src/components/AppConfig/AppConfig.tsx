import React, { useState } from 'react';
import { lastValueFrom } from 'rxjs';
import { css } from '@emotion/css';
import type { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { Alert, Button, Field, FieldSet, Input, SecretInput, useStyles2 } from '@grafana/ui';
import { configProblem, settingsPayload, type AppJsonData, type ConfigState } from './app-settings';

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<AppJsonData>> {}

/** Where the exporter is and which operator token Grafana's proxy presents (provisioning usually sets both). */
const AppConfig = ({ plugin }: AppConfigProps) => {
  const styles = useStyles2(getStyles);
  const { enabled, pinned, jsonData, secureJsonFields } = plugin.meta;
  const [state, setState] = useState<ConfigState>({
    exporterUrl: jsonData?.exporterUrl ?? '',
    operatorToken: '',
    tokenSet: Boolean(secureJsonFields?.operatorToken),
  });
  const [error, setError] = useState<string | undefined>();
  const problem = configProblem(state);

  const onSubmit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (problem) {
      return;
    }
    try {
      await lastValueFrom(
        getBackendSrv().fetch({
          url: `/api/plugins/${plugin.meta.id}/settings`,
          method: 'POST',
          data: settingsPayload(state, { enabled: Boolean(enabled), pinned: Boolean(pinned) }),
        }),
      );
      // Grafana hands plugin settings to the app at load time only.
      window.location.reload();
    } catch (err) {
      setError(String((err as { data?: { message?: string } }).data?.message ?? err));
    }
  };

  return (
    <form onSubmit={onSubmit}>
      <FieldSet label="Exporter">
        {error && <Alert title="Settings not saved">{error}</Alert>}
        <Field
          label="Exporter URL"
          description="As Grafana's server reaches it, e.g. https://ops-exporter.example.org"
        >
          <Input
            width={60}
            id="config-exporter-url"
            value={state.exporterUrl}
            placeholder="https://ops-exporter.example.org"
            onChange={(e) => setState({ ...state, exporterUrl: e.currentTarget.value })}
          />
        </Field>
        <Field
          label="Operator token"
          description="One token of the exporter's OPS_OPERATOR_TOKENS; kept encrypted by Grafana, never sent to a browser"
          className={styles.marginTop}
        >
          <SecretInput
            width={60}
            id="config-operator-token"
            value={state.operatorToken}
            isConfigured={state.tokenSet}
            onChange={(e) => setState({ ...state, operatorToken: e.currentTarget.value })}
            onReset={() => setState({ ...state, operatorToken: '', tokenSet: false })}
          />
        </Field>
        <div className={styles.marginTop}>
          <Button type="submit" disabled={problem !== undefined} tooltip={problem}>
            Save settings
          </Button>
        </div>
      </FieldSet>
    </form>
  );
};

export default AppConfig;

const getStyles = (theme: GrafanaTheme2) => ({
  marginTop: css({ marginTop: theme.spacing(3) }),
});
