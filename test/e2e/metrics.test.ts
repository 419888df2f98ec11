import { startTestSystem, type TestSystem } from '../harness/system';

// The gateway serves its own Prometheus exposition: Prometheus can scrape it as-is.
describe('GET /metrics', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem();
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('returns Prometheus text from the gateway', async () => {
    const response = await fetch(`${system.gatewayUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toMatch(/^target_info\{[^}]*service_name="gateway"/m);
    expect(text).toContain('# TYPE beluga_voice_calls_total counter');
    expect(text).toMatch(/^beluga_webhook_attempts_total\{outcome="delivered"\} 0$/m);
  });
});
