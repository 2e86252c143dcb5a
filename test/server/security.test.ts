import { describe, expect, it } from 'vitest';
import type { Project, Run } from '../../common/contract';
import { tinyConfig } from '../jobs/helpers';
import { apiCall, openEvents, realServer, request } from './helpers';

describe('browser-mode server security', () => {
  it('binds to 127.0.0.1 with a 128-bit token in the URL', async () => {
    const { server } = await realServer();
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.token).toMatch(/^[0-9a-f]{32}$/);
    expect(server.url).toBe(`${server.origin}/?token=${server.token}`);
  });

  it('requires the token on every /api request', async () => {
    const { server } = await realServer();
    const body = '{}';
    const json = { 'Content-Type': 'application/json' };
    expect((await request(server.origin, { method: 'POST', path: '/api/projects.list', headers: json, body })).status).toBe(401);
    expect((await request(server.origin, { method: 'POST', path: '/api/projects.list', headers: { ...json, Authorization: 'Bearer 0123' }, body })).status).toBe(401);
    const wrong = server.token.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    expect((await request(server.origin, { method: 'POST', path: '/api/projects.list', headers: { ...json, Authorization: `Bearer ${wrong}` }, body })).status).toBe(401);
    // The query token is only for the event stream.
    expect((await request(server.origin, { method: 'POST', path: `/api/projects.list?token=${server.token}`, headers: json, body })).status).toBe(401);
    expect((await request(server.origin, { method: 'POST', path: '/api/nope', headers: json, body })).status).toBe(401);
    const ok = await apiCall(server, 'projects.list', {});
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual([]);
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin, even with the token', async () => {
    const { server } = await realServer();
    const port = new URL(server.origin).port;
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1:${Number(port) + 1}`, '127.0.0.1']) {
      const res = await apiCall(server, 'projects.list', {}, { Host: host });
      expect(res.status, host).toBe(403);
      expect((await request(server.origin, { path: '/', headers: { Host: host } })).status).toBe(403);
    }
    expect((await apiCall(server, 'projects.list', {}, { Host: `localhost:${port}` })).status).toBe(200);
    for (const origin of ['http://evil.example', `http://127.0.0.1:${Number(port) + 1}`, 'null', `https://127.0.0.1:${port}`]) {
      expect((await apiCall(server, 'projects.list', {}, { Origin: origin })).status, origin).toBe(403);
    }
    expect((await apiCall(server, 'projects.list', {}, { Origin: server.origin })).status).toBe(200);
  });

  it('serves the static build with CSP and nosniff, and nothing outside it', async () => {
    const { server } = await realServer();
    const index = await request(server.origin, { path: '/' });
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>DeCE Pilot</title>');
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['content-security-policy']).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect((await request(server.origin, { path: `/?token=${server.token}` })).status).toBe(200);
    expect((await request(server.origin, { path: '/app.js' })).headers['content-type']).toMatch(/^text\/javascript/);
    expect((await request(server.origin, { path: '/missing.js' })).status).toBe(404);
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/..%5cpackage.json', '/static/../../package.json', '/%2e%2e%2f%2e%2e%2fpackage.json', '/app.js%00.html']) {
      const res = await request(server.origin, { path });
      expect([400, 403, 404], path).toContain(res.status);
      expect(res.body, path).not.toContain('outside the static root');
    }
  });

  it('streams AppEvents over SSE with the query token only', async () => {
    const { server } = await realServer();
    expect((await request(server.origin, { path: '/api/events' })).status).toBe(401);
    expect((await request(server.origin, { path: '/api/events?token=wrong' })).status).toBe(401);
    const stream = await openEvents(server);
    expect(stream.status).toBe(200);
    try {
      const project = JSON.parse((await apiCall(server, 'projects.create', { name: 'sse' })).body) as Project;
      const started = await apiCall(server, 'runs.start', { projectId: project.id, stage: 'pilot', name: 'short', config: tinyConfig('ce', { epochs: 1 }), actor: 'web' });
      expect(started.status).toBe(200);
      const run = JSON.parse(started.body) as Run;
      await stream.waitFor((e) => e.type === 'run.status' && e.runId === run.id && e.status === 'queued');
      const cancelled = await apiCall(server, 'runs.cancel', { runId: run.id, actor: 'web' });
      expect(JSON.parse(cancelled.body)).toMatchObject({ status: 'cancelled' });
      expect(await stream.waitFor((e) => e.type === 'run.status' && e.runId === run.id && e.status === 'cancelled')).toMatchObject({
        projectId: project.id,
        error: null,
      });
      expect(stream.events.some((e) => e.type === 'project.changed' && e.projectId === project.id)).toBe(true);
    } finally {
      stream.close();
    }
  });
});
