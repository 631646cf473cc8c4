package dev.kvmop.controller.guest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.KvmGuest;
import dev.kvmop.qemu.GuestDirs;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GuestKeysTest {
  private static final String UID = "8d3f2c1e-5b7a-4e39-9c1d-2f6a0b4e7c90";
  private static final String OTHER_UID = "9b2e4c7a-1f3d-4a6b-8e5c-0d7f2a9b3c61";

  @Test
  void aWholeNameNamesItsGuest() {
    String dir = GuestDirs.of("/w", "lab", "vm1", UID).dir();
    assertThat(GuestKeys.resourceId(dir, ns -> List.of())).contains(new ResourceID("vm1", "lab"));
  }

  /** The shortened name is no guest's name: the uid finds the guest among its namespace's. */
  @Test
  void aShortenedNameIsFoundByItsUid() {
    String namespace = "n".repeat(63);
    String name = "a".repeat(253);
    String sibling = "a".repeat(252) + "b";
    String dir = GuestDirs.of("/w", namespace, name, UID).dir();
    Map<String, List<KvmGuest>> guests =
        Map.of(
            namespace, List.of(guest(namespace, sibling, OTHER_UID), guest(namespace, name, UID)));
    assertThat(GuestKeys.resourceId(dir, ns -> guests.getOrDefault(ns, List.of())))
        .contains(new ResourceID(name, namespace));
  }

  @Test
  void aShortenedNameWhoseGuestIsGoneWakesNone() {
    String dir = GuestDirs.of("/w", "n".repeat(63), "a".repeat(253), UID).dir();
    assertThat(GuestKeys.resourceId(dir, ns -> List.of())).isEmpty();
  }

  @Test
  void aDirectoryNotNamedByTheOperatorWakesNone() {
    assertThat(GuestKeys.resourceId("/w/guests/lost+found", ns -> List.of())).isEmpty();
  }

  private static KvmGuest guest(String namespace, String name, String uid) {
    KvmGuest g = new KvmGuest();
    g.setMetadata(
        new ObjectMetaBuilder().withNamespace(namespace).withName(name).withUid(uid).build());
    return g;
  }
}
