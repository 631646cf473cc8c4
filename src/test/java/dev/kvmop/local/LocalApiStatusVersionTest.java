package dev.kvmop.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.api.ObjectRef;
import org.junit.jupiter.api.Test;

/** resourceVersions the embedded API hands out grow with every write, status writes included. */
class LocalApiStatusVersionTest {
  @Test
  void statusWriteAnswersWithTheStoredVersionAndLaterWritesAreNewer() {
    try (LocalApiServer api = LocalApiServer.start(0)) {
      api.installBundledCrds();
      var guests = api.client().resources(KvmGuest.class).inNamespace("default");
      KvmGuest g = new KvmGuest();
      g.getMetadata().setName("v");
      g.getMetadata().setFinalizers(java.util.List.of("test.kvmop.dev/hold"));
      g.setSpec(new KvmGuestSpec());
      g.getSpec().hostRef = new ObjectRef("h");
      KvmGuest created = guests.resource(g).create();
      created.setStatus(new KvmGuestStatus());
      created.getStatus().phase = GuestPhase.Running;
      KvmGuest written = guests.resource(created).updateStatus();
      String stored = guests.withName("v").get().getMetadata().getResourceVersion();
      System.out.println(
          "[rv] created "
              + created.getMetadata().getResourceVersion()
              + " statusResponse "
              + written.getMetadata().getResourceVersion()
              + " stored "
              + stored);
      guests.withName("v").delete();
      String deleted = guests.withName("v").get().getMetadata().getResourceVersion();
      System.out.println("[rv] after delete " + deleted);
      assertThat(written.getMetadata().getResourceVersion()).isEqualTo(stored);
      assertThat(Long.parseLong(deleted)).isGreaterThan(Long.parseLong(stored));
    }
  }
}
