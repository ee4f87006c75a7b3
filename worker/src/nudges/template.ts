import type { NudgeChannel } from '@ops-cockpit/core';

export interface NudgeTemplateInput {
  name: string;
  daysInactive: number;
  crew: string | null;
}

export interface NudgeMessage {
  /** E-mail subject; SMS has none. */
  subject: string;
  text: string;
}

/** Collapses whitespace and control characters, so a stored name cannot add lines or headers to a message. */
function clean(value: string): string {
  return value.replace(/[\p{Cc}\s]+/gu, ' ').trim();
}

function days(n: number): string {
  return n === 1 ? '1 day' : `${n} days`;
}

/** The nudge text: the user's name, how long they have been quiet and, when they have one, their crew. */
export function renderNudge(input: NudgeTemplateInput, channel: NudgeChannel): NudgeMessage {
  const name = clean(input.name) || 'there';
  const crew = input.crew === null ? '' : clean(input.crew);
  const quiet = `it has been ${days(Math.max(0, Math.floor(input.daysInactive)))} since your last activity`;
  const team = crew === '' ? 'The challenge misses your miles' : `Your crew ${crew} misses your miles`;
  if (channel === 'sms') {
    return { subject: '', text: `Hi ${name}, ${quiet}. ${team}: log a run today! - 100 Miles of Summer` };
  }
  return {
    subject: `${name}, your 100 Miles of Summer are waiting`,
    text: [
      `Hi ${name},`,
      '',
      `${quiet[0]!.toUpperCase()}${quiet.slice(1)}. ${team}: even a short run today counts toward the 100 miles.`,
      '',
      '- 100 Miles of Summer',
    ].join('\n'),
  };
}
