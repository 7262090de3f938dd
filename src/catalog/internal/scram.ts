/**
 * SCRAM-SHA-256 password verifiers (RFC 5802/7677, PostgreSQL's stored format), so that a role's password
 * is set as `PASSWORD 'SCRAM-SHA-256$...'` and the plaintext never reaches the server or its statement log.
 */
import * as NodeCrypto from "node:crypto"

const ITERATIONS = 4096

const hmac = (key: Buffer, text: string): Buffer => NodeCrypto.createHmac("sha256", key).update(text).digest()

/** `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` for an ASCII password. */
export const scramSha256Verifier = (password: string, salt: Buffer = NodeCrypto.randomBytes(16)): string => {
  const salted = NodeCrypto.pbkdf2Sync(password, salt, ITERATIONS, 32, "sha256")
  const storedKey = NodeCrypto.createHash("sha256").update(hmac(salted, "Client Key")).digest()
  const serverKey = hmac(salted, "Server Key")
  return `SCRAM-SHA-256$${ITERATIONS}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`
}
