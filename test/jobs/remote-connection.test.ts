import { describe, expect, it } from 'vitest';
import { redactRedisUrl, redisOptionsFromUrl } from '../../main/jobs/remote/connection';

describe('Redis URLs of the remote workers', () => {
  it('takes user, password, database and TLS from the URL', () => {
    expect(redisOptionsFromUrl('rediss://trainer:p%40ss@queue.example:6380/3')).toEqual({
      host: 'queue.example',
      port: 6380,
      db: 3,
      username: 'trainer',
      password: 'p@ss',
      tls: { servername: 'queue.example' },
      maxRetriesPerRequest: null,
    });
    expect(redisOptionsFromUrl('redis://127.0.0.1')).toEqual({ host: '127.0.0.1', port: 6379, db: 0, maxRetriesPerRequest: null });
  });

  it('never shows the password: neither in the redacted URL nor in the refusal of a bad one', () => {
    expect(redactRedisUrl('redis://:s3cret@queue.example:6379/1')).toBe('redis://:***@queue.example:6379/1');
    expect(redactRedisUrl('not a url //user:s3cret@host')).not.toContain('s3cret');
    const refusal = (url: string): string | null => {
      try {
        redisOptionsFromUrl(url);
        return null;
      } catch (error) {
        return String(error);
      }
    };
    for (const bad of ['http://u:s3cret@queue.example', 'redis://:s3cret@queue.example/db', '//u:s3cret@queue.example']) {
      expect(refusal(bad)).toMatch(/Redis URL|Redis database/);
      expect(refusal(bad)).not.toContain('s3cret');
    }
  });
});
