package dev.kvmop.host.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvmop.host.HostException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExpectedHostKeyTest {
  @TempDir Path dir;

  @Test
  void keyLineReducesToTheFingerprintSshKeygenPrints() throws Exception {
    Path key = dir.resolve("host");
    dev.kvmop.testing.SshKeys.hostKey(key);
    String line = Files.readString(Path.of(key + ".pub")).strip();
    ExpectedHostKey parsed = ExpectedHostKey.parse(line);
    assertThat(parsed.fingerprint())
        .isEqualTo(dev.kvmop.testing.SshKeys.fingerprint(Path.of(key + ".pub")));
    assertThat(parsed.keyType()).isEqualTo("ssh-ed25519");
    assertThat(parsed.algorithms()).containsExactly("ssh-ed25519");
    assertThat(ExpectedHostKey.parse("[10.0.0.5]:2222 " + line).fingerprint())
        .isEqualTo(parsed.fingerprint());
  }

  @Test
  void fingerprintFormToleratesPadding() throws Exception {
    ExpectedHostKey parsed = ExpectedHostKey.parse(" SHA256:abc+/def= ");
    assertThat(parsed.fingerprint()).isEqualTo("SHA256:abc+/def");
    assertThat(parsed.algorithms()).isEmpty();
  }

  @Test
  void rsaKeyAsksForTheSha2Algorithms() {
    assertThat(new ExpectedHostKey("SHA256:x", "ssh-rsa").algorithms())
        .containsExactly("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa");
  }

  @Test
  void rejectsGarbage() {
    for (String bad :
        new String[] {
          "", "SHA256:", "ssh-ed25519", "ssh-ed25519 !!!", "ssh-rsa AAAAC3NzaC1lZDI1NTE5"
        }) {
      assertThatThrownBy(() -> ExpectedHostKey.parse(bad))
          .as(bad)
          .isInstanceOf(HostException.class)
          .extracting(e -> ((HostException) e).reason())
          .isEqualTo(HostException.Reason.HostKeyMismatch);
    }
  }
}
