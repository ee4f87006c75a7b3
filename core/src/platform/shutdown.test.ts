import { Shutdown } from './shutdown.js';
import { silentLogger } from '../testing/index.js';

describe('Shutdown', () => {
  it('stops intake before closing resources, whatever the order added, and runs once', async () => {
    const order: string[] = [];
    const s = new Shutdown(silentLogger, 1_000);
    s.add('pool', 'resources', () => void order.push('pool'));
    s.add('http', 'intake', async () => {
      await new Promise((r) => setTimeout(r, 20));
      order.push('http');
    });
    s.add('redis', 'resources', () => void order.push('redis'));
    const [a, b] = await Promise.all([s.run('test'), s.run('again')]);
    expect([a, b]).toEqual([0, 0]);
    expect(order).toEqual(['http', 'pool', 'redis']);
    expect(await s.run('third')).toBe(0);
    expect(order).toHaveLength(3);
  });

  it('keeps going after a failed step and reports code 1', async () => {
    const done: string[] = [];
    const s = new Shutdown(silentLogger, 1_000);
    s.add('bad', 'intake', () => {
      throw new Error('boom');
    });
    s.add('pool', 'resources', () => void done.push('pool'));
    expect(await s.run('test')).toBe(1);
    expect(done).toEqual(['pool']);
  });

  it('gives up at the deadline with code 1', async () => {
    const s = new Shutdown(silentLogger, 100);
    s.add('stuck', 'intake', () => new Promise(() => undefined));
    const started = Date.now();
    expect(await s.run('test')).toBe(1);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
