package dev.kvmop.controller.guest.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.ExitReason;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.RunStrategy;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RestartPolicyTest {
  @ParameterizedTest(name = "{0} after {1} -> {2}")
  @CsvSource({
    "Always, Crashed, Starting",
    "Always, Shutdown, Starting",
    "Always, Killed, Starting",
    "Always, HostLost, Starting",
    "RerunOnFailure, Crashed, Starting",
    "RerunOnFailure, Shutdown, Succeeded",
    "RerunOnFailure, Killed, Starting",
    "RerunOnFailure, HostLost, Starting",
    "Manual, Crashed, Failed",
    "Manual, Shutdown, Succeeded",
    "Manual, Killed, Stopped",
    "Manual, HostLost, Failed",
    "Halted, Crashed, Stopped",
    "Halted, Shutdown, Stopped",
    "Halted, Killed, Stopped",
    "Halted, HostLost, Stopped",
  })
  void phaseAfterExit(RunStrategy strategy, ExitReason reason, GuestPhase expected) {
    assertThat(RestartPolicy.afterExit(strategy, reason)).isEqualTo(expected);
  }

  @Test
  void backoffDoublesFromTenSecondsToFiveMinutes() {
    assertThat(RestartPolicy.backoff(1)).isEqualTo(Duration.ofSeconds(10));
    assertThat(RestartPolicy.backoff(2)).isEqualTo(Duration.ofSeconds(20));
    assertThat(RestartPolicy.backoff(3)).isEqualTo(Duration.ofSeconds(40));
    assertThat(RestartPolicy.backoff(5)).isEqualTo(Duration.ofSeconds(160));
    assertThat(RestartPolicy.backoff(6)).isEqualTo(RestartPolicy.MAX_BACKOFF);
    assertThat(RestartPolicy.backoff(1000)).isEqualTo(RestartPolicy.MAX_BACKOFF);
    assertThat(RestartPolicy.backoff(Integer.MAX_VALUE)).isEqualTo(RestartPolicy.MAX_BACKOFF);
  }

  @Test
  void backoffNeverBelowTheInitialOne() {
    assertThat(RestartPolicy.backoff(0)).isEqualTo(RestartPolicy.INITIAL_BACKOFF);
    assertThat(RestartPolicy.backoff(-3)).isEqualTo(RestartPolicy.INITIAL_BACKOFF);
  }

  @Test
  void backoffFromAGivenInitialStillCapsAtTheMaximum() {
    assertThat(RestartPolicy.backoff(Duration.ofSeconds(1), 1)).isEqualTo(Duration.ofSeconds(1));
    assertThat(RestartPolicy.backoff(Duration.ofSeconds(1), 4)).isEqualTo(Duration.ofSeconds(8));
    assertThat(RestartPolicy.backoff(Duration.ofSeconds(1), 11))
        .isEqualTo(RestartPolicy.MAX_BACKOFF);
  }

  @Test
  void stableRunIsLongerThanTheLongestBackoff() {
    assertThat(RestartPolicy.STABLE_RUN).isGreaterThan(RestartPolicy.MAX_BACKOFF);
  }
}
