package dev.kvmop.controller.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.KvmHost;
import dev.kvmop.testing.TestObjects;
import java.util.List;
import org.junit.jupiter.api.Test;

class BridgeOwnersTest {
  static KvmHost host(String name, String created, String address, boolean managed) {
    KvmHost h =
        TestObjects.host(name)
            .at(address, 22)
            .bridge("br0")
            .spec(s -> s.network.managed = managed)
            .build();
    h.getMetadata().setUid("uid-" + name);
    h.getMetadata().setCreationTimestamp(created);
    return h;
  }

  @Test
  void onlyHostsThatManageTheirBridgeHaveAKey() {
    assertThat(BridgeOwners.key(host("a", "2026-01-01T00:00:00Z", "Node-A.lab", true)))
        .contains("node-a.lab:22/br0");
    assertThat(BridgeOwners.key(host("a", "2026-01-01T00:00:00Z", "10.0.0.5", false))).isEmpty();
  }

  @Test
  void theOldestManagesTheBridge() {
    KvmHost first = host("first", "2026-01-01T00:00:00Z", "10.0.0.5", true);
    KvmHost second = host("second", "2026-01-02T00:00:00Z", "10.0.0.5", true);
    KvmHost third = host("third", "2026-01-03T00:00:00Z", "10.0.0.5", true);
    List<KvmHost> all = List.of(third, second, first);
    assertThat(BridgeOwners.managedBefore(first, all)).isNull();
    assertThat(BridgeOwners.managedBefore(second, all)).isEqualTo("default/first");
    assertThat(BridgeOwners.managedBefore(third, all)).isEqualTo("default/first");
    assertThat(BridgeOwners.managedBefore(third, List.of(third, second)))
        .as("once the first is gone")
        .isEqualTo("default/second");
  }

  @Test
  void atTheSameSecondTheNameDecides() {
    KvmHost a = host("a", "2026-01-01T00:00:00Z", "10.0.0.5", true);
    KvmHost b = host("b", "2026-01-01T00:00:00Z", "10.0.0.5", true);
    assertThat(BridgeOwners.managedBefore(a, List.of(a, b))).isNull();
    assertThat(BridgeOwners.managedBefore(b, List.of(a, b))).isEqualTo("default/a");
  }
}
