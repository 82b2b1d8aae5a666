import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Runs `services.sh up kafka` with a fake `java` first on the PATH that prints `versionLine`. */
function upKafkaWithJava(versionLine: string) {
  const bin = mkdtempSync(join(tmpdir(), 'fake-java-'));
  writeFileSync(join(bin, 'java'), `#!/bin/sh\necho '${versionLine}' >&2\n`);
  chmodSync(join(bin, 'java'), 0o755);
  // A port nobody uses, so that even a broken check could not reach the shared Kafka.
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, AIOPS_KAFKA_PORT: '1', AIOPS_KAFKA_CONTROLLER_PORT: '2' };
  return spawnSync('bash', ['deploy/local/services.sh', 'up', 'kafka'], { env, encoding: 'utf8', timeout: 30_000 });
}

describe('services.sh up kafka', () => {
  describe('when the Java on the PATH is older than 17', () => {
    it('stops at once, saying Kafka needs Java 17 or later', () => {
      for (const line of ['openjdk version "11.0.22" 2024-01-16', 'java version "1.8.0_392"']) {
        const run = upKafkaWithJava(line);
        expect(run.status).toBe(1);
        expect(run.stderr).toMatch(/Java (11|1) found; Kafka 4 needs Java 17 or later/);
      }
    });
  });

  describe('when java prints no version at all', () => {
    it('stops with the same message instead of failing later', () => {
      const run = upKafkaWithJava('');
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/Java of unknown version found; Kafka 4 needs Java 17 or later/);
    });
  });
});
