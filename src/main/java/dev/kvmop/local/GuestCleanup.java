package dev.kvmop.local;

import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded API forgets everything when {@code local} exits, so guests left running would be
 * orphans on the dev host, and so would a bridge or dnsmasq the operator set up there. On shutdown,
 * {@code local} deletes its guests, then its hosts (whose deletion waits for the guests), and waits
 * (bounded) for the operator to stop the guests and undo the hosts' network.
 */
public final class GuestCleanup {
  private static final Logger log = LoggerFactory.getLogger(GuestCleanup.class);

  private GuestCleanup() {}

  public static void deleteAll(KubernetesClient client, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    deleteAndWait(client, KvmGuest.class, "guests so no qemu outlives the embedded API", deadline);
    deleteAndWait(
        client, KvmHost.class, "hosts so no bridge or dnsmasq outlives the embedded API", deadline);
  }

  private static <T extends HasMetadata> void deleteAndWait(
      KubernetesClient client, Class<T> kind, String why, Instant deadline) {
    var all = client.resources(kind).inAnyNamespace();
    if (all.list().getItems().isEmpty()) {
      return;
    }
    log.info("local: deleting {}", why);
    // One by one: the CRUD API's collection delete skips finalizers, so nothing would be stopped.
    for (T item : all.list().getItems()) {
      client.resource(item).delete();
    }
    while (!all.list().getItems().isEmpty() && Instant.now().isBefore(deadline)) {
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    int left = all.list().getItems().size();
    if (left > 0) {
      log.warn(
          "local: {} {} still being deleted at the deadline; what they hold on the host may remain",
          left,
          kind.getSimpleName());
    }
  }
}
