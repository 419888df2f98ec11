import http from 'node:http';
import { loadConfigOrExit } from '../src/runtime/startup';

/**
 * The realtime worker owns live calls (Twilio Media Streams over WebSocket). The media-stream
 * loop is not built yet (voice issue); this entry point already runs in the dev stack and compose
 * so the process layout is final, answers /health, and refuses stream upgrades explicitly.
 */
function main(): void {
  const { config, log } = loadConfigOrExit('realtime');
  const port = config.get().realtimePort;
  const server = http.createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'healthy', checks: { mediaStreams: { status: 'ok', detail: 'voice loop not implemented yet' } } }));
      return;
    }
    res.writeHead(404).end();
  });
  server.on('upgrade', (_req, socket) => {
    socket.end('HTTP/1.1 501 Not Implemented\r\nConnection: close\r\n\r\n');
  });
  server.listen(port, () => log.info({ port }, 'realtime worker listening'));
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main();
