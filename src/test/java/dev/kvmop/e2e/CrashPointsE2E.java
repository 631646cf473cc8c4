package dev.kvmop.e2e;

import static dev.kvmop.testing.E2EEnvironment.networkedGuest;
import static dev.kvmop.testing.E2EEnvironment.qemuWithUuid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.testing.E2EEnvironment;
import dev.kvmop.testing.OperatorProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator process halted (like SIGKILL) at its crash points around a launch, then started
 * again: exactly one qemu per guest and no address held twice. Its own environment, because it
 * restarts the operator.
 */
class CrashPointsE2E {
  @TempDir static Path tmp;
  static E2EEnvironment env;
  static OperatorProcess operator;

  @BeforeAll
  static void start() {
    env = new E2EEnvironment(tmp);
    operator = env.startOperatorWithHost("node", 8);
  }

  @AfterAll
  static void stop() {
    if (env != null) {
      env.close();
    }
  }

  @Test
  void operatorKilledAroundTheLaunchConvergesToOneQemuPerGuest() {
    for (String point : List.of("after-address-persisted", "after-launch")) {
      operator.stop();
      OperatorProcess crashing = env.startOperator(Map.of("KVMOP_CRASH_POINT", point));
      String name = "crash-" + point.replace("after-", "");
      env.client.resource(networkedGuest(name, "node")).create();
      assertThat(crashing.awaitExit(Duration.ofSeconds(60)))
          .as("operator halted at " + point)
          .isTrue();

      operator = env.startOperator();
      KvmGuest g = env.awaitGuest(name, GuestPhase.Running);
      assertThat(qemuWithUuid(g.getMetadata().getUid()))
          .as(point)
          .containsExactly((long) g.getStatus().pid);
      List<String> ips =
          env.guestsOn("node").stream()
              .filter(x -> x.getStatus() != null && x.getStatus().ip != null)
              .map(x -> x.getStatus().ip)
              .toList();
      assertThat(ips).as("no address held twice after a crash " + point).doesNotHaveDuplicates();
    }
  }
}
