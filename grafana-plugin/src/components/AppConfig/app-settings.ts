/** The app's settings: jsonData is readable by every signed-in user, secureJsonData never leaves the server. */
export interface AppJsonData {
  /** The exporter's base URL as Grafana's server reaches it, e.g. https://ops-exporter.example.org (docker-compose: http://exporter:8080). */
  exporterUrl?: string;
}

export interface ConfigState {
  exporterUrl: string;
  /** A new operator token typed in; empty keeps the stored one. */
  operatorToken: string;
  /** Whether Grafana already holds a token (it never sends it back). */
  tokenSet: boolean;
}

/** Why the form cannot be saved, or undefined. */
export function configProblem(state: ConfigState): string | undefined {
  let url: URL;
  try {
    url = new URL(state.exporterUrl.trim());
  } catch {
    return 'Exporter URL must be an absolute http(s) URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return 'Exporter URL must be an absolute http(s) URL';
  }
  if (!state.tokenSet && state.operatorToken.trim().length < 16) {
    return 'Operator token must be at least 16 characters (one of the exporter’s OPS_OPERATOR_TOKENS)';
  }
  return undefined;
}

/**
 * What to POST to /api/plugins/<id>/settings. The URL loses its trailing slash, since routes append
 * `/api/ops/…`; an untouched stored token is left out so saving the URL alone keeps it.
 */
export function settingsPayload(state: ConfigState, meta: { enabled: boolean; pinned: boolean }) {
  return {
    enabled: meta.enabled,
    pinned: meta.pinned,
    jsonData: { exporterUrl: state.exporterUrl.trim().replace(/\/+$/, '') } satisfies AppJsonData,
    secureJsonData: state.tokenSet ? undefined : { operatorToken: state.operatorToken.trim() },
  };
}
