import type { Server } from 'node:http';
import type { Express } from 'express';

/**
 * Starts the HTTP server, or fails with a message an operator can act on. Express 5 hands a listen error to the
 * callback (and nothing else): ignoring it would report "started" with no server behind the port.
 */
export function listen(app: Express, port: number, host: string): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => {
      if (!err) return resolve(server);
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'EADDRINUSE' ? 'the port is already in use (another bridge? set http.port)' : err.message;
      reject(new Error(`http: cannot listen on ${host}:${port}: ${why}`, { cause: err }));
    });
  });
}
