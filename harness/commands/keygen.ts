/**
 * `keygen --out DIR`: a new Ed25519 key pair for signed results (harness/signing): DIR/signing-key.pem
 * (PKCS#8, readable by its owner only; encrypted with RIGL_SIGNING_KEY_PASSPHRASE when that is set)
 * for `run --sign-key`, and DIR/signing-key.pub.pem (SPKI) for `verify --public-key`. Never
 * overwrites a key.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { SIGNING_KEY_PASSPHRASE_ENV, generateSigningKeyPair } from '../signing/keys.ts';
import { HELP_FLAG, JSON_FLAG, merged, stringValue } from './flags.ts';
import type { CommandSpec } from './types.ts';

export const KEY_FILES = { private: 'signing-key.pem', public: 'signing-key.pub.pem' } as const;

export const keygenCommand: CommandSpec = {
  name: 'keygen',
  summary: 'write a new Ed25519 key pair for signing results (run --sign-key, verify --public-key)',
  synopsis: 'keygen --out DIR [--json]',
  flags: [{ flag: '--out DIR', help: `folder to write ${KEY_FILES.private} (private, mode 600) and ${KEY_FILES.public} into; existing keys are never overwritten` }, JSON_FLAG.help, HELP_FLAG.help],
  options: merged(JSON_FLAG.options, HELP_FLAG.options, { out: { type: 'string' } }),
  positionals: { min: 0, max: 0, name: 'nothing' },
  async run(args, ctx) {
    const out = stringValue(args, 'out');
    if (out === undefined || out === '') throw new UsageError('keygen: --out DIR is required');
    if (out.includes('\u0000')) throw new UsageError(`--out: ${JSON.stringify(out)} contains a NUL character`);
    const dir = resolve(out);
    const passphrase = ctx.env[SIGNING_KEY_PASSPHRASE_ENV];
    const pair = generateSigningKeyPair(passphrase);
    await mkdir(dir, { recursive: true });
    const privatePath = join(dir, KEY_FILES.private);
    const publicPath = join(dir, KEY_FILES.public);
    for (const [path, text, mode] of [[privatePath, pair.privatePem, 0o600], [publicPath, pair.publicPem, 0o644]] as const) {
      try {
        await writeFile(path, text, { flag: 'wx', mode });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`--out: ${path} already exists; refusing to overwrite a key`);
        throw error;
      }
    }
    const encrypted = passphrase !== undefined && passphrase !== '';
    return {
      exitCode: 0,
      json: { command: 'keygen', privateKey: privatePath, publicKey: publicPath, publicKeySha256: pair.publicKeySha256, encrypted },
      text: [
        `wrote ${privatePath} (private${encrypted ? `, encrypted with ${SIGNING_KEY_PASSPHRASE_ENV}` : ''}: keep it secret) and ${publicPath} (public)`,
        `public key sha256 ${pair.publicKeySha256}`,
        `sign: rigl-harness run FILE --sign-key ${privatePath}`,
        `check: rigl-harness verify FILE --public-key ${publicPath} --require-signature`,
      ].join('\n'),
    };
  },
};
