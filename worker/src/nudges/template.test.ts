import { renderNudge } from './template.js';

describe('renderNudge', () => {
  it('writes an e-mail with the name, the days inactive and the crew', () => {
    const message = renderNudge({ name: 'Ada Lovelace', daysInactive: 12, crew: 'Harbour Runners' }, 'email');
    expect(message.subject).toBe('Ada Lovelace, your 100 Miles of Summer are waiting');
    expect(message.text).toBe(
      'Hi Ada Lovelace,\n\nIt has been 12 days since your last activity. Your crew Harbour Runners misses your ' +
        'miles: even a short run today counts toward the 100 miles.\n\n- 100 Miles of Summer',
    );
  });

  it('writes a one-line SMS', () => {
    expect(renderNudge({ name: 'Bob', daysInactive: 1, crew: 'Hill Goats' }, 'sms')).toEqual({
      subject: '',
      text: 'Hi Bob, it has been 1 day since your last activity. Your crew Hill Goats misses your miles: log a run today! - 100 Miles of Summer',
    });
  });

  it('does without a crew or a name, and cannot be given extra lines', () => {
    const sms = renderNudge({ name: ' \r\n', daysInactive: 30, crew: null }, 'sms');
    expect(sms.text).toBe(
      'Hi there, it has been 30 days since your last activity. The challenge misses your miles: log a run today! - 100 Miles of Summer',
    );
    const email = renderNudge({ name: 'Eve\r\nBcc: x@example.test', daysInactive: 11, crew: null }, 'email');
    expect(email.subject).toBe('Eve Bcc: x@example.test, your 100 Miles of Summer are waiting');
  });
});
