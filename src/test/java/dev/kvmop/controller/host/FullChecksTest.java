package dev.kvmop.controller.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.HostPhase;
import dev.kvmop.controller.HostDirectory.ProbeMark;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class FullChecksTest {
  private static final Duration INTERVAL = Duration.ofSeconds(10);
  private static final Instant T0 = Instant.parse("2026-11-25T00:00:00Z");
  private static final String NET = "link=bridge up=1 gateway=set dhcp=running";

  private Instant now = T0;
  private final Clock clock =
      new Clock() {
        @Override
        public ZoneOffset getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now;
        }
      };
  private final FullChecks checks = new FullChecks(clock);

  private ProbeMark answered(Duration ago, String bootId) {
    return new ProbeMark(now.minus(ago), bootId, NET);
  }

  @Test
  void aFreshProbeWithTheSameBootVouchesForAReadyHost() {
    checks.passed("ns/h", 3L, "boot-1", NET);
    now = T0.plusSeconds(30);
    var mark = answered(Duration.ofSeconds(4), "boot-1");
    assertThat(checks.steady("ns/h", 3L, HostPhase.Ready, mark, INTERVAL)).contains(mark.at());
  }

  @Test
  void aFullCheckIsDueWhenAnythingMayHaveChanged() {
    checks.passed("ns/h", 3L, "boot-1", NET);
    now = T0.plusSeconds(30);
    var fresh = answered(Duration.ofSeconds(1), "boot-1");
    assertThat(checks.steady("ns/other", 3L, HostPhase.Ready, fresh, INTERVAL))
        .as("never checked")
        .isEmpty();
    assertThat(checks.steady("ns/h", 4L, HostPhase.Ready, fresh, INTERVAL))
        .as("spec changed")
        .isEmpty();
    assertThat(checks.steady("ns/h", 3L, HostPhase.Unreachable, fresh, INTERVAL))
        .as("not Ready")
        .isEmpty();
    assertThat(
            checks.steady("ns/h", 3L, HostPhase.Ready, answered(Duration.ZERO, "boot-2"), INTERVAL))
        .as("rebooted")
        .isEmpty();
    assertThat(checks.steady("ns/h", 3L, HostPhase.Ready, new ProbeMark(now, null), INTERVAL))
        .as("probe failed")
        .isEmpty();
    assertThat(checks.steady("ns/h", 3L, HostPhase.Ready, null, INTERVAL))
        .as("never probed")
        .isEmpty();
    assertThat(
            checks.steady(
                "ns/h", 3L, HostPhase.Ready, answered(Duration.ofSeconds(25), "boot-1"), INTERVAL))
        .as("probe older than two intervals")
        .isEmpty();
  }

  @Test
  void aChangedNetworkStatusIsNotSteady() {
    checks.passed("ns/h", 3L, "boot-1", NET);
    now = T0.plusSeconds(30);
    var dnsmasqGone = new ProbeMark(now, "boot-1", "link=bridge up=1 gateway=set dhcp=stopped");
    assertThat(checks.steady("ns/h", 3L, HostPhase.Ready, dnsmasqGone, INTERVAL)).isEmpty();
    var noNetworkLine = new ProbeMark(now, "boot-1");
    assertThat(checks.steady("ns/h", 3L, HostPhase.Ready, noNetworkLine, INTERVAL)).isEmpty();
    assertThat(
            checks.steady("ns/h", 3L, HostPhase.Ready, answered(Duration.ZERO, "boot-1"), INTERVAL))
        .isPresent();
  }

  @Test
  void factsAreReadAgainAfterFiveMinutesOrWhenForgotten() {
    checks.passed("ns/h", 1L, "boot-1", NET);
    now = T0.plus(FullChecks.EVERY);
    assertThat(
            checks.steady("ns/h", 1L, HostPhase.Ready, answered(Duration.ZERO, "boot-1"), INTERVAL))
        .isEmpty();
    checks.passed("ns/h", 1L, "boot-1", NET);
    checks.forget("ns/h");
    assertThat(
            checks.steady("ns/h", 1L, HostPhase.Ready, answered(Duration.ZERO, "boot-1"), INTERVAL))
        .isEmpty();
  }
}
