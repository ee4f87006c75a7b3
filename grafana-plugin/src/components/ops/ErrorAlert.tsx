import React from 'react';
import { Alert } from '@grafana/ui';
import type { OpsApiError } from '../../api/ops-client';

/** A failed call as a Grafana alert: what was attempted, what answered, and each refused field. */
export function ErrorAlert({
  action,
  error,
  onRemove,
}: {
  action: string;
  error: OpsApiError;
  onRemove?: () => void;
}) {
  const status = error.status === 0 ? 'no answer' : `HTTP ${error.status}`;
  return (
    <Alert severity="error" title={action} onRemove={onRemove} data-testid="ops-error">
      <div>
        {error.title}
        {error.detail ? `: ${error.detail}` : ''} ({status})
      </div>
      {error.fieldErrors.length > 0 && (
        <ul>
          {error.fieldErrors.map((f) => (
            <li key={`${f.field}:${f.message}`}>
              <code>{f.field}</code>: {f.message}
            </li>
          ))}
        </ul>
      )}
    </Alert>
  );
}
