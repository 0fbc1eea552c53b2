/**
 * A real S3-compatible server for tests: s3rver (filesystem-backed) on 127.0.0.1, port 0 unless
 * given, with one bucket. It records every object written or removed, in the order the server
 * stored them (s3rver's S3 event notifications), so tests can check the order of PUTs. `stop()`
 * drops every connection at once (as a crashed server would); `restart()` brings the same server
 * back on the same port and folder.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface S3Event {
  Records: { eventName: string; s3: { object: { key: string } } }[];
}

interface S3rverInstance {
  run(): Promise<{ port: number; address: string }>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: S3Event) => void): void;
  httpServer?: Server;
}

type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

const S3rver = require('s3rver') as S3rverConstructor;
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account.js') as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void; revokeAccessKey(id: string): void } };

/** s3rver's built-in credentials. */
export const S3RVER_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' } as const;

/** Let s3rver (in this process) accept another access key, e.g. a canary secret. */
export function allowS3Credentials(accessKeyId: string, secretAccessKey: string): void {
  DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
}

export interface S3Write {
  /** "ObjectCreated:Put", "ObjectRemoved:Delete", ... */
  event: string;
  /** Object key inside the bucket. */
  key: string;
}

export interface S3TestServer {
  readonly endpoint: string;
  readonly port: number;
  readonly bucket: string;
  readonly directory: string;
  /** Every write and removal so far, in the order the server stored it. */
  readonly writes: S3Write[];
  /** Drop every connection and stop listening. */
  stop(): Promise<void>;
  /** Listen again on the same port with the same folder. */
  restart(): Promise<void>;
}

export async function startS3Server(options: { directory: string; bucket: string; port?: number }): Promise<S3TestServer> {
  const writes: S3Write[] = [];
  let server: S3rverInstance | null = null;
  let port = options.port ?? 0;
  const start = async () => {
    const instance = new S3rver({ port, address: '127.0.0.1', silent: true, directory: options.directory, configureBuckets: [{ name: options.bucket }] });
    instance.on('event', (e) => {
      for (const record of e.Records) writes.push({ event: record.eventName, key: decodeURIComponent(record.s3.object.key) });
    });
    const address = await instance.run();
    port = address.port;
    server = instance;
  };
  await start();
  return {
    get endpoint() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    bucket: options.bucket,
    directory: options.directory,
    writes,
    async stop() {
      const running = server;
      server = null;
      if (running === null) return;
      const closed = running.close();
      running.httpServer?.closeAllConnections();
      await closed;
    },
    async restart() {
      if (server !== null) return;
      await start();
    },
  };
}
