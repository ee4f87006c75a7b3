// The simulator (fake provider APIs and webhook traffic) arrives with the ingestion work; see README.
export {};
