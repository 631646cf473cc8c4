package dev.kvmop.host;

import dev.kvmop.api.HostKeyPolicy;

/**
 * Everything needed to open the SSH connection of one KvmHost. Holds secret material: {@link
 * #toString()} never prints it.
 *
 * @param hostId namespace/name of the KvmHost, for logs and metrics
 * @param address hostname or IP
 * @param port SSH port
 * @param user login user
 * @param privateKey private key text (OpenSSH, PEM or PKCS#8)
 * @param passphrase key passphrase, or null
 * @param policy host key policy
 * @param expectedHostKey OpenSSH public key line or "SHA256:..." fingerprint; null only under
 *     TrustOnFirstUse before the first connection
 * @param maxSessions concurrent channels allowed on the connection
 */
public record SshTarget(
    String hostId,
    String address,
    int port,
    String user,
    String privateKey,
    String passphrase,
    HostKeyPolicy policy,
    String expectedHostKey,
    int maxSessions) {

  /**
   * Identity of the connection settings: a change (address, key rotation, pinned key) means the
   * existing connection must be replaced. Hash only, so the secret never leaves this record.
   */
  public String settingsDigest() {
    String joined =
        String.join(
            "\0",
            address,
            Integer.toString(port),
            user,
            privateKey,
            String.valueOf(passphrase),
            String.valueOf(policy),
            String.valueOf(expectedHostKey),
            Integer.toString(maxSessions));
    try {
      byte[] d =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(joined.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(d);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  @Override
  public String toString() {
    return "SshTarget[" + hostId + " " + user + "@" + address + ":" + port + "]";
  }
}
