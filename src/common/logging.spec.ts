import { batchedWriter } from './logging';

describe('batchedWriter', () => {
  it('writes the lines of one turn of the event loop together, in order, right after it', async () => {
    const writes: string[] = [];
    const out = batchedWriter((text) => writes.push(text));
    out.write('a\n');
    out.write('b\n');
    expect(writes).toEqual([]);
    await new Promise(setImmediate);
    expect(writes).toEqual(['a\nb\n']);
    out.write('c\n');
    await new Promise(setImmediate);
    expect(writes).toEqual(['a\nb\n', 'c\n']);
  });

  it('writes what is still waiting when flushed (the process exiting)', () => {
    const writes: string[] = [];
    const out = batchedWriter((text) => writes.push(text));
    out.write('last\n');
    out.flush();
    out.flush();
    expect(writes).toEqual(['last\n']);
  });
});
