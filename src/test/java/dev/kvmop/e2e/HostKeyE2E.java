package dev.kvmop.e2e;

import static dev.kvmop.testing.E2EEnvironment.condition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kvmop.api.Conditions;
import dev.kvmop.api.HostKeyPolicy;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmHost;
import dev.kvmop.testing.E2EEnvironment;
import dev.kvmop.testing.OpenSshServer;
import dev.kvmop.testing.OperatorProcess;
import dev.kvmop.testing.SecretHygiene;
import io.fabric8.kubernetes.api.model.Condition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built operator against real OpenSSH whose host key is replaced under it (a re-imaged host, or
 * a man in the middle): with the key pinned in the spec, and with trust on first use, the new key
 * is refused probe after probe, never trusted, and reported with a Warning Event.
 */
class HostKeyE2E {
  static final int REFUSED_PROBES = 5;
  static final String PASSPHRASE = "hostkey e2e 5b1d passphrase";

  @TempDir static Path tmp;
  static E2EEnvironment env;
  static OperatorProcess operator;

  @BeforeAll
  static void start() {
    assumeTrue(OpenSshServer.available(), "no /usr/sbin/sshd");
    env = new E2EEnvironment(tmp, List.of(), PASSPHRASE);
    operator = env.startOperator();
  }

  @AfterAll
  static void stop() {
    if (env != null) {
      assertThat(env.closeCheckingSecrets(new SecretHygiene()).hits()).isEmpty();
    }
  }

  @Test
  void replacedKeyIsRefusedWhenPinned() {
    OpenSshServer sshd = env.startSshd();
    KvmHost h = env.host("pinned", sshd, sshd.hostKeyLine(), 0);
    h.getSpec().hostKeyPolicy = HostKeyPolicy.Pinned;
    env.client.resource(h).create();
    String original = env.awaitHost("pinned", HostPhase.Ready).getStatus().observedHostKey;
    assertThat(original).isEqualTo(sshd.hostKeyFingerprint());

    assertRefusedOverProbes("pinned", sshd, original);
  }

  @Test
  void replacedKeyIsNotReTrustedOnFirstUse() {
    OpenSshServer sshd = env.startSshd();
    KvmHost h = env.host("tofu", sshd, null, 0);
    h.getSpec().hostKeyPolicy = HostKeyPolicy.TrustOnFirstUse;
    env.client.resource(h).create();
    KvmHost ready = env.awaitHost("tofu", HostPhase.Ready);
    String first = ready.getStatus().observedHostKey;
    assertThat(first).isEqualTo(sshd.hostKeyFingerprint());
    assertThat(hostKeyVerified(ready).getStatus()).isEqualTo("True");

    assertRefusedOverProbes("tofu", sshd, first);
  }

  /**
   * Replaces the host key (sshd restarts, connections drop), then: Failed with
   * HostKeyVerified=False/HostKeyMismatch and a Warning Event, and until {@value #REFUSED_PROBES}
   * connect attempts with the new key have been refused (counted by the operator's own
   * kvmop_ssh_connects_total) the host never leaves Failed, never connects, and never records the
   * new key.
   */
  private static void assertRefusedOverProbes(String name, OpenSshServer sshd, String trusted) {
    String hostLabel = "host=\"" + E2EEnvironment.NS + "/" + name + "\"";
    double mismatches0 =
        operator.metricSum("kvmop_ssh_connects_total", hostLabel, "result=\"HostKeyMismatch\"");
    sshd.replaceHostKey();
    String presented = sshd.hostKeyFingerprint();
    assertThat(presented).isNotEqualTo(trusted);
    KvmHost failed = env.awaitHost(name, HostPhase.Failed);
    Condition verified = hostKeyVerified(failed);
    assertThat(verified.getStatus()).isEqualTo("False");
    assertThat(verified.getReason()).isEqualTo("HostKeyMismatch");
    assertThat(verified.getMessage()).contains(presented);
    // From here on nothing may connect (the old sshd could have been reached until it stopped).
    double successes0 =
        operator.metricSum("kvmop_ssh_connects_total", hostLabel, "result=\"success\"");

    List<String> violations = new ArrayList<>();
    int[] polls = {0};
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              polls[0]++;
              KvmHost h = env.getHost(name);
              if (h.getStatus().phase != HostPhase.Failed) {
                violations.add("phase " + h.getStatus().phase);
              }
              if (!trusted.equals(h.getStatus().observedHostKey)) {
                violations.add("observedHostKey " + h.getStatus().observedHostKey);
              }
              if (!"False".equals(hostKeyVerified(h).getStatus())) {
                violations.add("HostKeyVerified " + hostKeyVerified(h));
              }
              return operator.metricSum(
                      "kvmop_ssh_connects_total", hostLabel, "result=\"HostKeyMismatch\"")
                  >= mismatches0 + REFUSED_PROBES;
            });
    double refused =
        operator.metricSum("kvmop_ssh_connects_total", hostLabel, "result=\"HostKeyMismatch\"");
    double successes =
        operator.metricSum("kvmop_ssh_connects_total", hostLabel, "result=\"success\"");
    System.out.println(
        "host-key: "
            + name
            + " refused "
            + (long) (refused - mismatches0)
            + " connects with the new key (watched over "
            + polls[0]
            + " status reads), "
            + violations.size()
            + " violations, "
            + (long) (successes - successes0)
            + " successful connects");
    assertThat(violations).isEmpty();
    assertThat(successes).isEqualTo(successes0);
    KvmHost last = env.getHost(name);
    assertThat(last.getStatus().observedHostKey).isEqualTo(trusted).isNotEqualTo(presented);
    assertThat(last.getStatus().facts == null || last.getStatus().phase == HostPhase.Failed)
        .isTrue();
    await()
        .atMost(E2EEnvironment.WAIT)
        .until(
            () ->
                env.events(name).stream()
                    .anyMatch(
                        e ->
                            "HostKeyMismatch".equals(e.getReason())
                                && "Warning".equals(e.getType())));
  }

  private static Condition hostKeyVerified(KvmHost h) {
    return condition(h.getStatus().conditions, Conditions.HOST_KEY_VERIFIED);
  }
}
