import { eventProject, reaches } from './event-scope';

describe('which endpoints an event reaches', () => {
  const projectA = '6650f1c2a1b2c3d4e5f60718';
  const ofA = { projectId: projectA };
  const ofRoot = {};

  it('sends a status event to its message\'s project only', () => {
    const event = { type: 'message.delivered', data: { messageId: 'm1', projectId: projectA } };
    expect(eventProject(event)).toBe(projectA);
    expect(reaches(ofA, event)).toBe(true);
    expect(reaches(ofRoot, event)).toBe(false);
    expect(reaches({ projectId: '6650f1c2a1b2c3d4e5f60719' }, event)).toBe(false);
  });

  it('takes an event naming no project (an inbound text, an event from before projects) as the root project\'s', () => {
    for (const event of [{ type: 'message.received', data: { inboundMessageId: 'i1' } }, { type: 'message.sent', data: { messageId: 'm1', projectId: 'root' } }]) {
      expect(eventProject(event)).toBe('root');
      expect(reaches(ofRoot, event)).toBe(true);
      expect(reaches(ofA, event)).toBe(false);
    }
  });

  it('sends a recipient\'s opt-out (keyword, Twilio refusal) to every project\'s endpoints', () => {
    for (const source of ['keyword', 'twilio-21610']) {
      const event = { type: 'opt_out.changed', data: { phone: '+15005550006', optedOut: true, source, projectId: null } };
      expect(eventProject(event)).toBeUndefined();
      expect(reaches(ofRoot, event)).toBe(true);
      expect(reaches(ofA, event)).toBe(true);
    }
  });

  it('sends an opt-out listed by hand to its project\'s endpoints only (its reason is that project\'s)', () => {
    const byA = { type: 'opt_out.changed', data: { phone: '+15005550006', optedOut: true, source: 'manual', projectId: projectA } };
    expect(reaches(ofA, byA)).toBe(true);
    expect(reaches(ofRoot, byA)).toBe(false);
    const byRoot = { type: 'opt_out.changed', data: { ...byA.data, projectId: 'root' } };
    expect(reaches(ofRoot, byRoot)).toBe(true);
    expect(reaches(ofA, byRoot)).toBe(false);
  });
});
