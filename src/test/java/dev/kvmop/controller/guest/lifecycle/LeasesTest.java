package dev.kvmop.controller.guest.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.NetworkType;
import dev.kvmop.testing.TestObjects;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The fixed DHCP lease of a Bridge guest on a host with spec.network.dhcp: on the host before its
 * qemu starts, gone from it before its address goes back to the pool.
 */
class LeasesTest {
  static final String MAC = "52:54:00:00:00:10";

  @Test
  void theLeaseIsThereBeforeQemuAndGoneBeforeTheAddressIsReleased() {
    LifecycleWorld w = dhcpHost();
    w.spec(s -> s.network.type = NetworkType.Bridge);
    w.reconcile();

    assertThat(w.phase()).isEqualTo(GuestPhase.Running);
    assertThat(w.fake.verbs).containsExactly("lease " + MAC, "launch " + w.dir());
    assertThat(w.fake.leases.get(MAC).line()).isEqualTo(MAC + ",10.0.0.10,vm-a");

    String dir = w.dir();
    w.delete(Duration.ZERO);
    w.others.add(TestObjects.guest("vm-b").on("node-a").withUid().build());
    assertThat(w.cleanup()).as("released").isEmpty();
    assertThat(w.fake.verbs).endsWith("stop " + dir, "remove " + dir, "unlease " + MAC);
    assertThat(w.fake.leases).isEmpty();
  }

  @Test
  void aRelaunchWritesTheLeaseAgain() {
    LifecycleWorld w = dhcpHost();
    w.spec(s -> s.network.type = NetworkType.Bridge);
    w.reconcile();
    w.fake.leases.clear(); // lost on the host, e.g. workDir cleaned by hand
    w.fake.kill(w.dir());
    w.probe();
    w.reconcile();
    w.clock.advance(Duration.ofMinutes(1));
    w.reconcile();
    assertThat(w.phase()).isEqualTo(GuestPhase.Running);
    assertThat(w.fake.leases).containsOnlyKeys(MAC);
  }

  @Test
  void noLeaseWithoutDhcpOrForAGuestOffTheBridge() {
    LifecycleWorld user = dhcpHost();
    user.reconcile();
    assertThat(user.phase()).isEqualTo(GuestPhase.Running);
    assertThat(user.fake.leases).as("User network on a DHCP host").isEmpty();

    LifecycleWorld noDhcp = new LifecycleWorld();
    noDhcp.spec(s -> s.network.type = NetworkType.Bridge);
    noDhcp.reconcile();
    assertThat(noDhcp.phase()).isEqualTo(GuestPhase.Running);
    assertThat(noDhcp.fake.verbs).noneMatch(v -> v.startsWith("lease"));
    noDhcp.delete(Duration.ZERO);
    noDhcp.cleanup();
    assertThat(noDhcp.fake.verbs).noneMatch(v -> v.startsWith("unlease"));
  }

  private static LifecycleWorld dhcpHost() {
    LifecycleWorld w = new LifecycleWorld();
    w.hostSpec(
        s -> {
          s.network.dhcp = true;
          s.network.managed = true;
          s.network.gateway = "10.0.0.1/24";
        });
    return w;
  }
}
