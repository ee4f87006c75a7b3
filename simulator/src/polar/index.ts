// Polar AccessLink v3 in the simulator: demo links and tokens, the fake API, and webhook traffic.
export * from './accounts.js';
export * from './payloads.js';
export * from './api.js';
export * from './traffic.js';
