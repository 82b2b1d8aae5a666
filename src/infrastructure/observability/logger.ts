import { pino, type DestinationStream, type Logger } from 'pino';
import { SECRET_PATHS } from '../config/load-config.js';

/** The process logger: JSON lines, secrets redacted wherever they appear under the known paths. */
export function createLogger(level: string, name = 'aiops-bridge', destination?: DestinationStream): Logger {
  const options = {
    name,
    level,
    redact: { paths: SECRET_PATHS, censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
  };
  return destination ? pino(options, destination) : pino(options);
}
