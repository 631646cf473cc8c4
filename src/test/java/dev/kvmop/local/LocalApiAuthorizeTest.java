package dev.kvmop.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.api.ObjectRef;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.Test;

/** A request the authorize rule refuses gets 403 Forbidden and changes nothing; others pass. */
class LocalApiAuthorizeTest {
  @Test
  void refusedStatusWriteIsForbiddenAndStoresNothing() {
    try (LocalApiServer api = LocalApiServer.start(0)) {
      api.installBundledCrds();
      var guests = api.client().resources(KvmGuest.class).inNamespace("default");
      KvmGuest g = new KvmGuest();
      g.getMetadata().setName("a");
      g.setSpec(new KvmGuestSpec());
      g.getSpec().hostRef = new ObjectRef("h");
      KvmGuest created = guests.resource(g).create();

      api.authorize(
          r -> r.access().map(a -> !a.resource().equals("kvmguests/status")).orElse(true));
      created.setStatus(new KvmGuestStatus());
      created.getStatus().phase = GuestPhase.Running;
      KubernetesClientException e =
          catchThrowableOfType(
              KubernetesClientException.class, () -> guests.resource(created).updateStatus());

      assertThat(e.getCode()).isEqualTo(403);
      assertThat(e.getStatus().getReason()).isEqualTo("Forbidden");
      assertThat(e.getStatus().getMessage()).contains("update kvmguests/status");
      assertThat(guests.withName("a").get().getStatus()).isNull();
      assertThat(guests.list().getItems()).hasSize(1);

      api.authorize(r -> true);
      KvmGuest latest = guests.withName("a").get();
      latest.setStatus(created.getStatus());
      assertThat(guests.resource(latest).updateStatus().getStatus().phase)
          .isEqualTo(GuestPhase.Running);
    }
  }
}
