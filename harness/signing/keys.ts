/**
 * Ed25519 keys for signed results (design.md "Results": SHA256SUMS.sig), with node:crypto only.
 *
 * - The private key signs SHA256SUMS when `run` stores a run. It comes from `run --sign-key FILE`
 *   or the variable RIGL_SIGNING_KEY holding the PEM text itself (CI secret stores hand out
 *   variables, not files). A PKCS#8 PEM; an encrypted one ("ENCRYPTED PRIVATE KEY") is opened with
 *   RIGL_SIGNING_KEY_PASSPHRASE.
 * - The public key (SPKI PEM) checks signatures: `verify --public-key FILE`.
 * - `rigl-harness keygen --out DIR` writes a pair.
 *
 * No message ever quotes key material or the passphrase: errors name the file or the variable
 * and what was wrong with it.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.ts';

export const SIGNING_KEY_ENV = 'RIGL_SIGNING_KEY';
export const SIGNING_KEY_PASSPHRASE_ENV = 'RIGL_SIGNING_KEY_PASSPHRASE';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** sha256 (hex) of the public key's SPKI DER bytes: what the .sig file names the signer by. */
  publicKeySha256: string;
  /** Where the key came from: a file path, or null for the RIGL_SIGNING_KEY variable. */
  file: string | null;
}

/** sha256 (hex) of a public key's SPKI DER encoding. */
export function publicKeyFingerprint(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

/**
 * The signing key for `run`: `--sign-key FILE` if given, else RIGL_SIGNING_KEY, else null
 * (results are not signed). UsageError (exit 2) when the file cannot be read or is not an Ed25519
 * private key.
 */
export async function loadSigningKey(file: string | undefined, env: NodeJS.ProcessEnv): Promise<SigningKey | null> {
  let pem: string;
  let source: string;
  if (file !== undefined) {
    source = `--sign-key ${JSON.stringify(file)}`;
    if (file === '' || file.includes('\u0000')) throw new UsageError(`--sign-key: expected a file name, found ${JSON.stringify(file)}`);
    try {
      pem = await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`${source}: cannot read the key file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  } else {
    const value = env[SIGNING_KEY_ENV];
    if (value === undefined || value.trim() === '') return null;
    source = SIGNING_KEY_ENV;
    pem = value;
  }
  const passphrase = env[SIGNING_KEY_PASSPHRASE_ENV];
  const encrypted = pem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----');
  if (encrypted && (passphrase === undefined || passphrase === '')) {
    throw new UsageError(`${source}: expected an Ed25519 private key (PKCS#8 PEM, as keygen writes), the key is encrypted: set ${SIGNING_KEY_PASSPHRASE_ENV}`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem', ...(passphrase === undefined || passphrase === '' ? {} : { passphrase }) });
  } catch {
    const why = encrypted ? `${SIGNING_KEY_PASSPHRASE_ENV} does not decrypt it` : 'not a PEM private key';
    throw new UsageError(`${source}: expected an Ed25519 private key (PKCS#8 PEM, as keygen writes), ${why}`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new UsageError(`${source}: expected an Ed25519 private key, found a ${privateKey.asymmetricKeyType ?? 'non-asymmetric'} key`);
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicKeySha256: publicKeyFingerprint(publicKey), file: file ?? null };
}

/** `verify --public-key FILE`: an Ed25519 public key (SPKI PEM); UsageError otherwise. */
export async function loadPublicKey(file: string): Promise<KeyObject> {
  if (file === '' || file.includes('\u0000')) throw new UsageError(`--public-key: expected a file name, found ${JSON.stringify(file)}`);
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--public-key ${JSON.stringify(file)}: cannot read the key file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (/PRIVATE KEY/.test(pem)) throw new UsageError(`--public-key ${JSON.stringify(file)}: this is a private key; give the public key (keygen writes it as signing-key.pub.pem)`);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new UsageError(`--public-key ${JSON.stringify(file)}: expected an Ed25519 public key (SPKI PEM), found something else`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new UsageError(`--public-key ${JSON.stringify(file)}: expected an Ed25519 public key, found a ${key.asymmetricKeyType ?? 'unknown'} key`);
  return key;
}

/** A fresh key pair as PEM text: PKCS#8 private key (encrypted when a passphrase is given) and SPKI public key. */
export function generateSigningKeyPair(passphrase?: string): { privatePem: string; publicPem: string; publicKeySha256: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privatePem =
    passphrase === undefined || passphrase === ''
      ? (privateKey.export({ type: 'pkcs8', format: 'pem' }) as string)
      : (privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string);
  return { privatePem, publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string, publicKeySha256: publicKeyFingerprint(publicKey) };
}
