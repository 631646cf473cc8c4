package dev.kvmop.local;

import dev.kvmop.api.KvmGuest;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded API forgets everything when {@code local} exits, so guests left running would be
 * orphans on the dev host. On shutdown, {@code local} deletes its guests and waits (bounded) for
 * the operator to stop them.
 */
public final class GuestCleanup {
  private static final Logger log = LoggerFactory.getLogger(GuestCleanup.class);

  private GuestCleanup() {}

  public static void deleteAll(KubernetesClient client, Duration timeout) {
    var guests = client.resources(KvmGuest.class).inAnyNamespace();
    if (guests.list().getItems().isEmpty()) {
      return;
    }
    log.info("local: deleting guests so no qemu outlives the embedded API");
    // One by one: the CRUD API's collection delete skips finalizers, so nothing would be stopped.
    for (KvmGuest g : guests.list().getItems()) {
      client.resource(g).delete();
    }
    Instant deadline = Instant.now().plus(timeout);
    while (!guests.list().getItems().isEmpty() && Instant.now().isBefore(deadline)) {
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    int left = guests.list().getItems().size();
    if (left > 0) {
      log.warn(
          "local: {} guests still being deleted after {}s; their qemu may remain",
          left,
          timeout.toSeconds());
    }
  }
}
