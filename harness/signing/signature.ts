/**
 * SHA256SUMS.sig (design.md "Results"): an Ed25519 signature of a run's SHA256SUMS bytes, written
 * by `run` just before SHA256SUMS itself (so a complete run of a signing `run` is always signed),
 * and checked by `verify --public-key FILE [--require-signature]`.
 *
 * The file is one JSON object:
 *
 *   {"schemaVersion": 1, "algorithm": "ed25519",
 *    "publicKeySha256": "<sha256 of the signer's SPKI DER public key>",
 *    "signedSha256": "<sha256 of the SHA256SUMS bytes that were signed>",
 *    "signature": "<base64 of the 64-byte Ed25519 signature of those bytes>"}
 *
 * Only `signature` is evidence (Ed25519 over the exact SHA256SUMS bytes); the two hashes beside it
 * let `verify` say which of its refusals applies: signed by another key, SHA256SUMS changed after
 * signing, or a signature that is simply wrong. A stored file changed after signing is caught by
 * SHA256SUMS itself (verifyRunFiles), whose bytes the signature pins.
 */
import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { HarnessError } from '../errors.ts';
import { RUN_FILE, decodeText, encodeText, runKey } from '../run-store.ts';
import type { Store } from '../store/types.ts';
import { publicKeyFingerprint, type SigningKey } from './keys.ts';

export const SIGNATURE_SCHEMA_VERSION = 1;

export interface SignatureFile {
  schemaVersion: typeof SIGNATURE_SCHEMA_VERSION;
  algorithm: 'ed25519';
  publicKeySha256: string;
  signedSha256: string;
  signature: string;
}

/** Why a run's signature was refused (exit 3). */
export type SignatureProblem = 'unsigned' | 'malformed' | 'other-key' | 'sums-changed' | 'bad-signature';

/** A run's signature is missing, malformed or does not verify (exit 3). */
export class SignatureError extends HarnessError {
  readonly exitCode = 3 as const;
  constructor(
    readonly runId: string,
    readonly problem: SignatureProblem,
    message: string,
  ) {
    super(message);
  }
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The SHA256SUMS.sig bytes for these SHA256SUMS bytes. */
export function signSums(sums: Uint8Array, key: SigningKey): Uint8Array {
  const file: SignatureFile = {
    schemaVersion: SIGNATURE_SCHEMA_VERSION,
    algorithm: 'ed25519',
    publicKeySha256: key.publicKeySha256,
    signedSha256: sha256Hex(sums),
    signature: sign(null, sums, key.privateKey).toString('base64'),
  };
  return encodeText(`${JSON.stringify(file, null, 2)}\n`);
}

function parseSignatureFile(bytes: Uint8Array, runId: string, where: string): SignatureFile {
  let value: unknown;
  try {
    value = JSON.parse(decodeText(bytes, where));
  } catch {
    throw new SignatureError(runId, 'malformed', `run ${runId}: ${where} is not a signature file (not JSON)`);
  }
  const v = value as Partial<SignatureFile> | null;
  const hex64 = (s: unknown) => typeof s === 'string' && /^[0-9a-f]{64}$/.test(s);
  if (v === null || typeof v !== 'object' || v.schemaVersion !== SIGNATURE_SCHEMA_VERSION || v.algorithm !== 'ed25519' || !hex64(v.publicKeySha256) || !hex64(v.signedSha256) || typeof v.signature !== 'string' || !/^[A-Za-z0-9+/]{86}==$/.test(v.signature)) {
    throw new SignatureError(runId, 'malformed', `run ${runId}: ${where} is not a signature file (expected schemaVersion 1, algorithm "ed25519", publicKeySha256, signedSha256 and a base64 Ed25519 signature)`);
  }
  return v as SignatureFile;
}

/**
 * Check a run's SHA256SUMS.sig against `publicKey`; throws SignatureError with its own message
 * for each refusal. The caller verifies the files against SHA256SUMS (verifyRunFiles).
 * @param sums the run's SHA256SUMS bytes as stored
 */
export async function checkRunSignature(store: Store, runId: string, sums: Uint8Array, publicKey: KeyObject): Promise<void> {
  const where = runKey(runId, RUN_FILE.signature);
  const bytes = await store.get(where);
  if (bytes === null) throw new SignatureError(runId, 'unsigned', `run ${runId} is not signed (${where} is missing)`);
  const file = parseSignatureFile(bytes, runId, where);
  const givenSha256 = publicKeyFingerprint(publicKey);
  const signatureValid = verify(null, sums, publicKey, Buffer.from(file.signature, 'base64'));
  if (signatureValid) return;
  if (file.publicKeySha256 !== givenSha256) {
    throw new SignatureError(runId, 'other-key', `run ${runId}: the signature does not verify with the given public key: it was made by another key (public key sha256 ${file.publicKeySha256}, given ${givenSha256})`);
  }
  const sumsSha256 = sha256Hex(sums);
  if (file.signedSha256 !== sumsSha256) {
    throw new SignatureError(runId, 'sums-changed', `run ${runId}: SHA256SUMS was changed after it was signed (signed bytes hash to ${file.signedSha256}, stored SHA256SUMS to ${sumsSha256})`);
  }
  throw new SignatureError(runId, 'bad-signature', `run ${runId}: the signature does not verify with the given public key (${where} was altered or forged)`);
}
