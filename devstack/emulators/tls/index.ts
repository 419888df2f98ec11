/**
 * A self-signed certificate for 127.0.0.1 / localhost / ::1, made once per machine and cached, so
 * emulators can speak TLS where a real SDK refuses anything else (the AssemblyAI SDK only takes
 * `wss:` URLs).
 *
 * Trust has two paths because Node reads NODE_EXTRA_CA_CERTS only when a process starts:
 * - processes started later (jest workers forked after global setup, spawned workers) inherit
 *   NODE_EXTRA_CA_CERTS from `trustTestCertificateInChildProcesses()`;
 * - the current process (jest runs a single test file in band, in the process that ran global setup)
 *   gets `trustTestCertificateInProcess()`, which gives loopback TLS connections that bring no CA of
 *   their own a context trusting this certificate.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { generate } from 'selfsigned';

export interface TestTlsMaterial {
  certPath: string;
  keyPath: string;
  /** PEM */
  cert: string;
  /** PEM (unencrypted PKCS#8) */
  key: string;
}

/** Regenerate when less validity than this remains, so a long-lived cache never expires mid-run. */
const MIN_REMAINING_VALIDITY_MS = 7 * 24 * 3600 * 1000;
const VALIDITY_MS = 825 * 24 * 3600 * 1000;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function defaultTestTlsDir(): string {
  return path.join(os.tmpdir(), 'beluga-test-tls');
}

let cached: Promise<TestTlsMaterial> | undefined;

/** The cached certificate, created (atomically, safe against concurrent test runs) when missing or stale. */
export function ensureTestCertificate(dir = defaultTestTlsDir()): Promise<TestTlsMaterial> {
  if (dir !== defaultTestTlsDir()) return loadOrCreate(dir);
  cached ??= loadOrCreate(dir).catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

async function loadOrCreate(dir: string): Promise<TestTlsMaterial> {
  const existing = readValid(dir);
  if (existing) return existing;
  const pems = await generate([{ name: 'commonName', value: 'beluga-test-localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - 3600 * 1000),
    notAfterDate: new Date(Date.now() + VALIDITY_MS),
    extensions: [
      // A self-signed leaf that is its own trust anchor: CA:true keeps every TLS stack happy with that.
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  // Write a complete pair elsewhere, then rename the folder into place: readers never see half a pair.
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const staging = fs.mkdtempSync(`${dir}.tmp-`);
  fs.writeFileSync(path.join(staging, 'cert.pem'), pems.cert);
  fs.writeFileSync(path.join(staging, 'key.pem'), pems.private, { mode: 0o600 });
  const winner = readValid(dir);
  if (winner) {
    // Another process made one while we were generating: everyone should use the same pair.
    fs.rmSync(staging, { recursive: true, force: true });
    return winner;
  }
  if (fs.existsSync(dir)) fs.renameSync(dir, `${dir}.stale-${process.pid}-${Date.now()}`);
  try {
    fs.renameSync(staging, dir);
  } catch {
    // Another process won the race; its pair is as good as ours.
    fs.rmSync(staging, { recursive: true, force: true });
  }
  const material = readValid(dir);
  if (!material) throw new Error(`could not create the test TLS certificate in ${dir}`);
  return material;
}

function readValid(dir: string): TestTlsMaterial | undefined {
  const certPath = path.join(dir, 'cert.pem');
  const keyPath = path.join(dir, 'key.pem');
  try {
    const cert = fs.readFileSync(certPath, 'utf8');
    const key = fs.readFileSync(keyPath, 'utf8');
    const x509 = new crypto.X509Certificate(cert);
    if (Date.parse(x509.validTo) - Date.now() < MIN_REMAINING_VALIDITY_MS) return undefined;
    if (!x509.checkPrivateKey(crypto.createPrivateKey(key))) return undefined;
    if (x509.checkIP('127.0.0.1') === undefined) return undefined;
    return { certPath, keyPath, cert, key };
  } catch {
    return undefined;
  }
}

/**
 * Sets NODE_EXTRA_CA_CERTS for processes started from now on. A bundle the user already named there
 * (say a corporate proxy CA) is kept: Node takes one file, so both go into a combined copy.
 */
export async function trustTestCertificateInChildProcesses(
  env: NodeJS.ProcessEnv = process.env,
): Promise<TestTlsMaterial> {
  const material = await ensureTestCertificate();
  const current = env.NODE_EXTRA_CA_CERTS;
  if (!current || current === material.certPath) {
    env.NODE_EXTRA_CA_CERTS = material.certPath;
    return material;
  }
  let theirs: string;
  try {
    theirs = fs.readFileSync(current, 'utf8');
  } catch {
    env.NODE_EXTRA_CA_CERTS = material.certPath;
    return material;
  }
  if (theirs.includes(material.cert.trim())) return material;
  const digest = crypto
    .createHash('sha256')
    .update(current)
    .update(theirs)
    .update(material.cert)
    .digest('hex')
    .slice(0, 16);
  const bundlePath = path.join(path.dirname(material.certPath), `extra-ca-${digest}.pem`);
  if (!fs.existsSync(bundlePath)) {
    const staging = `${bundlePath}.${process.pid}.tmp`;
    fs.writeFileSync(staging, `${theirs.trimEnd()}\n${material.cert}`);
    fs.renameSync(staging, bundlePath);
  }
  env.NODE_EXTRA_CA_CERTS = bundlePath;
  return material;
}

const ORIGINAL_CONNECT = Symbol.for('beluga.testTls.originalConnect');
type PatchableTls = typeof tls & { [ORIGINAL_CONNECT]?: typeof tls.connect };

/**
 * Makes this process trust the test certificate on loopback: `tls.connect` calls to 127.0.0.1,
 * localhost or ::1 that name no `ca`/`secureContext` get a context with the test certificate. Only
 * loopback and only unconfigured connections, so nothing else this process does changes. The
 * original is kept on the module object itself: jest loads this file afresh per test file while
 * `node:tls` is shared, so re-patching must wrap the original, not the previous wrapper.
 */
export function trustTestCertificateInProcess(material: TestTlsMaterial): void {
  const target = tls as PatchableTls;
  const original = target[ORIGINAL_CONNECT] ?? tls.connect;
  target[ORIGINAL_CONNECT] = original;
  const secureContext = tls.createSecureContext({ ca: material.cert });
  const patched = function connect(...args: unknown[]): tls.TLSSocket {
    const first = args[0];
    if (typeof first === 'object' && first !== null) {
      const options = first as tls.ConnectionOptions;
      if (options.ca === undefined && options.secureContext === undefined && LOOPBACK_HOSTS.has(options.host ?? '')) {
        args[0] = { ...options, secureContext };
      }
    }
    return (original as (...a: unknown[]) => tls.TLSSocket).apply(tls, args);
  };
  Object.defineProperty(tls, 'connect', { value: patched, writable: true, configurable: true, enumerable: true });
}
