package dev.kvmop.controller.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.host.HostAgent;
import dev.kvmop.host.HostAgentFactory;
import dev.kvmop.host.HostProbe;
import dev.kvmop.host.SshTarget;
import dev.kvmop.metrics.DomainMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Hosts that went silent after they were Ready hang each probe until the SSH handshake deadline,
 * again after every reconnect back-off; more of them than the schedule has threads must not stop
 * the probes of a healthy host.
 */
class HungProbeIsolationTest {
  final HostDirectory directory = new HostDirectory();
  final CountDownLatch released = new CountDownLatch(1);
  final AtomicInteger healthyProbes = new AtomicInteger();
  GuestProbes probes;

  @AfterEach
  void close() {
    released.countDown();
    if (probes != null) {
      probes.close();
    }
  }

  @Test
  void threeHungHostsDoNotStopAHealthyHostsProbes() {
    for (String name : List.of("hung-0", "hung-1", "hung-2", "healthy")) {
      publish(name);
    }
    probes =
        new GuestProbes(
            directory, agents(), new DomainMetrics(new SimpleMeterRegistry()), Clock.systemUTC());

    // At 1 s intervals, at least 4 rounds of the healthy host in 8 s whatever the hung ones do.
    await().atMost(Duration.ofSeconds(8)).until(() -> healthyProbes.get() >= 4);
    assertThat(probes.snapshot("lab/healthy")).hasValueSatisfying(s -> assertThat(s.reachable()));
  }

  private void publish(String name) {
    KvmHostSpec spec = new KvmHostSpec();
    spec.probeIntervalSeconds = 1;
    String id = "lab/" + name;
    SshTarget target = new SshTarget(id, name, 22, "root", null, null, null, null, 4);
    directory.publish(
        new HostDirectory.Entry(id, target, spec, HostPhase.Ready, null, "qemu-system-x86_64"));
  }

  /** Agents whose probe hangs on the hung hosts until the test ends and answers on the other. */
  private HostAgentFactory agents() {
    return new HostAgentFactory() {
      @Override
      public HostAgent agentFor(SshTarget target) {
        return (HostAgent)
            Proxy.newProxyInstance(
                HostAgent.class.getClassLoader(),
                new Class<?>[] {HostAgent.class},
                (proxy, method, args) -> {
                  if (!method.getName().equals("probeGuests")) {
                    throw new UnsupportedOperationException(method.getName());
                  }
                  if (target.address().startsWith("hung")) {
                    released.await();
                  }
                  healthyProbes.incrementAndGet();
                  return new HostProbe("boot", Map.of(), List.of(), null);
                });
      }

      @Override
      public void forget(String hostId) {}
    };
  }
}
