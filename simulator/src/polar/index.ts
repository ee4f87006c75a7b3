// Polar AccessLink v3 in the simulator: demo links and tokens, the exercise payload, the API's own state.
export * from './accounts.js';
export * from './payloads.js';
export * from './access.js';
