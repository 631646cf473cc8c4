package dev.kvmop.controller.guest.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.controller.guest.GuestProbes;
import dev.kvmop.metrics.DomainMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A probe whose answer was on its way while the guest was launched must not make the fresh qemu a
 * crash: the probe loop stamps snapshots with the probe's start, which is before the launch.
 */
class StaleProbeTest {
  final LifecycleWorld world = new LifecycleWorld();
  final GuestProbes probes =
      GuestProbes.onDemand(
          world.directory, world.agents, new DomainMetrics(new SimpleMeterRegistry()), world.clock);

  @AfterEach
  void close() {
    probes.close();
  }

  @Test
  void probeStartedBeforeALaunchAndEndedAfterItIsNotACrash() {
    // The probe looks at the host (no qemu yet); while its answer is on its way, the guest is
    // launched; the answer arrives after the launch.
    world.fake.duringNextProbe.set(
        () -> {
          world.clock.advance(Duration.ofSeconds(1));
          world.reconcile();
          world.clock.advance(Duration.ofSeconds(1));
        });
    ProbeSnapshot inFlight = probes.probeNow(world.hostId()).orElseThrow();
    assertThat(world.phase()).isEqualTo(GuestPhase.Running);
    assertThat(inFlight.guest(world.dir())).as("the probe predates the qemu").isEmpty();
    Integer pid = world.status().pid;

    world.snapshots.put(world.hostId(), inFlight);
    world.clock.advance(Duration.ofSeconds(1));
    world.reconcile();

    assertThat(world.phase()).isEqualTo(GuestPhase.Running);
    assertThat(world.status().pid).isEqualTo(pid);
    assertThat(world.status().lastExit).isNull();
    assertThat(world.fake.count("launch")).isEqualTo(1);

    // The next probe, started after the launch, sees the qemu: still the same one.
    world.snapshots.put(world.hostId(), probes.probeNow(world.hostId()).orElseThrow());
    world.reconcile();
    assertThat(world.phase()).isEqualTo(GuestPhase.Running);
    assertThat(world.status().pid).isEqualTo(pid);
    assertThat(world.fake.count("launch")).isEqualTo(1);
  }
}
