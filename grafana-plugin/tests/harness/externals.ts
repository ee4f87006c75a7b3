// What Grafana's loader hands a plugin's define() (.config/bundler/externals.ts lists what the build leaves out),
// whole, as Grafana supplies them; shared by the panel's and the app's AMD pages.
import React from 'react';
import * as ReactDOM from 'react-dom';
import * as jsxRuntime from 'react/jsx-runtime';
import * as ReactRouter from 'react-router';
import * as rxjs from 'rxjs';
import * as emotionCss from '@emotion/css';
import * as grafanaData from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUi from '@grafana/ui';

/** The versions of the shared set this bundle was built with (build-harness.js defines it). */
declare const __SHARED_SET__: {
  react: string;
  grafanaUi: string;
  grafanaData: string;
  grafanaRuntime: string;
};
export const sharedSet = __SHARED_SET__;

export const externals: Record<string, unknown> = {
  react: React,
  'react-dom': ReactDOM,
  'react/jsx-runtime': jsxRuntime,
  'react-router': ReactRouter,
  rxjs,
  '@emotion/css': emotionCss,
  '@grafana/data': grafanaData,
  '@grafana/runtime': grafanaRuntime,
  '@grafana/ui': grafanaUi,
};
