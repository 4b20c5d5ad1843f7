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

  it('sends an opt-out change to every project\'s endpoints, whoever made it', () => {
    const event = { type: 'opt_out.changed', data: { phone: '+15005550006', optedOut: true, projectId: projectA } };
    expect(eventProject(event)).toBeUndefined();
    expect(reaches(ofRoot, event)).toBe(true);
    expect(reaches({ projectId: '6650f1c2a1b2c3d4e5f60719' }, event)).toBe(true);
  });
});
