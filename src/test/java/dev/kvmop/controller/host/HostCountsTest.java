package dev.kvmop.controller.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.KvmHostStatus;
import dev.kvmop.testing.FakeHostAgents;
import dev.kvmop.testing.TestObjects;
import java.util.List;
import org.junit.jupiter.api.Test;

/** status.allocated: what the guests placed on a host take, against capacity x overcommit. */
class HostCountsTest {
  @Test
  void placedGuestsCountNamedButUnplacedOnesDoNot() {
    KvmHostSpec spec = TestObjects.host("node-a").build().getSpec();
    KvmHostStatus.HostFacts facts = FakeHostAgents.tcgFacts(); // 2 CPUs, 16Gi
    List<KvmGuest> guests =
        List.of(
            placed(TestObjects.guest("a").on("node-a").cpus(2).memory("512Mi").build()),
            placed(TestObjects.guest("b").cpus(1).memory("1Gi").build()),
            TestObjects.guest("waiting").on("node-a").cpus(4).memory("4Gi").build());

    KvmHostStatus.Allocated a = HostCounts.allocated(spec, facts, guests);

    assertThat(a.guests).isEqualTo(2);
    assertThat(a.cpus).isEqualTo(3);
    assertThat(a.memory).isEqualTo("1536Mi");
    assertThat(a.summary)
        .as("limits: 2 CPUs x 4.0, 16Gi less 1Gi x 1.0")
        .isEqualTo("3/8 cpu, 1536Mi/15Gi");
  }

  @Test
  void theSpecOverridesTheFactsAndOvercommitScales() {
    KvmHostSpec spec =
        TestObjects.host("node-a")
            .spec(
                s -> {
                  s.capacity.cpus = 16;
                  s.capacity.memory = "64Gi";
                  s.overcommit.cpu = 2.0;
                  s.overcommit.memory = 1.5;
                })
            .build()
            .getSpec();
    KvmHostStatus.Allocated a = HostCounts.allocated(spec, null, List.of());
    assertThat(a.summary).isEqualTo("0/32 cpu, 0Mi/96Gi");
    assertThat(a.guests).isZero();
  }

  private static KvmGuest placed(KvmGuest g) {
    g.setStatus(new KvmGuestStatus());
    g.getStatus().host = "node-a";
    return g;
  }
}
