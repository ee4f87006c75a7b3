import React from 'react';

/** A two-tone flame, drawn inline so the panel needs no icon files from Grafana's public folder. */
export const Flame = ({ outer, inner }: { outer: string; inner: string }) => (
  <svg viewBox="0 0 24 24" width="100%" height="100%" aria-hidden>
    <path
      fill={outer}
      d="M12 1.5c.9 3.6 5.6 6 5.6 12a5.6 5.6 0 0 1-11.2 0c0-2.7 1.2-4.6 2.5-5.9.2 1.8 1.1 3 2.5 3.5C10.6 8 11 4.4 12 1.5z"
    />
    <path fill={inner} d="M12 12.2c.9 1.6 2.5 2.6 2.5 4.8a2.5 2.5 0 0 1-5 0c0-1.5.9-2.6 2.5-4.8z" />
  </svg>
);
