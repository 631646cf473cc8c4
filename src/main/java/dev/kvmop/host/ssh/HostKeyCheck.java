package dev.kvmop.host.ssh;

import java.security.PublicKey;
import java.util.List;
import net.schmizz.sshj.transport.verification.HostKeyVerifier;

/**
 * Accepts exactly the expected key, or (trust on first use, nothing recorded yet) any key. Always
 * records what was presented, so the caller can pin it and name it in a mismatch message.
 */
final class HostKeyCheck implements HostKeyVerifier {
  private final ExpectedHostKey expected;
  private volatile String presented;
  private volatile boolean mismatch;

  /**
   * @param expected null accepts any key
   */
  HostKeyCheck(ExpectedHostKey expected) {
    this.expected = expected;
  }

  @Override
  public boolean verify(String hostname, int port, PublicKey key) {
    String fingerprint = HostKeys.fingerprint(key);
    presented = fingerprint;
    if (expected == null || expected.fingerprint().equals(fingerprint)) {
      return true;
    }
    mismatch = true;
    return false;
  }

  @Override
  public List<String> findExistingAlgorithms(String hostname, int port) {
    return expected == null ? List.of() : expected.algorithms();
  }

  String presented() {
    return presented;
  }

  boolean mismatched() {
    return mismatch;
  }

  String expectedFingerprint() {
    return expected == null ? "(any)" : expected.fingerprint();
  }
}
