package dev.kvmop.testing;

import static dev.kvmop.testing.E2EEnvironment.NS;
import static dev.kvmop.testing.E2EEnvironment.WAIT;
import static org.awaitility.Awaitility.await;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.controller.GuestHosts;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The KvmHosts, KvmGuests and Events of an end-to-end setting, read and awaited through its API
 * client. A wait that times out fails with the object as it is and the operator's log tail, which
 * the setting ({@link E2EEnvironment}) supplies.
 */
public abstract class ApiObjects {
  public final KubernetesClient client;

  protected ApiObjects(KubernetesClient client) {
    this.client = client;
  }

  /** Every operator log so far, for failure messages. */
  public abstract String operatorLogs();

  /** Thread dumps of the running operators, for failure messages. */
  protected abstract String threadDumps();

  public KvmHost awaitHost(String name, HostPhase phase) {
    return await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> getHost(name),
            h -> h != null && h.getStatus() != null && h.getStatus().phase == phase);
  }

  public KvmHost getHost(String name) {
    return client.resources(KvmHost.class).inNamespace(NS).withName(name).get();
  }

  public KvmGuest awaitGuest(String name, Predicate<KvmGuest> condition) {
    try {
      return await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> client.resources(KvmGuest.class).inNamespace(NS).withName(name).get(),
              g -> g != null && g.getStatus() != null && condition.test(g));
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "guest "
              + name
              + " did not reach the expected state; it is:\n"
              + client.getKubernetesSerialization().asYaml(get(name))
              + "\noperator log tail:\n"
              + tail(operatorLogs(), 400),
          e);
    }
  }

  public static String tail(String text, int lines) {
    String[] all = text.split("\n");
    return String.join("\n", Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
  }

  /** Running and confirmed by a probe (the reconciler writes nothing more in this state). */
  public KvmGuest awaitSteady(String name) {
    return awaitGuest(
        name,
        g ->
            g.getStatus().phase == GuestPhase.Running
                && g.getStatus().conditions.stream()
                    .anyMatch(
                        c ->
                            "ProcessRunning".equals(c.getType())
                                && "Running".equals(c.getReason())));
  }

  public KvmGuest awaitGuest(String name, GuestPhase phase) {
    return awaitGuest(name, g -> g.getStatus().phase == phase);
  }

  /** The guests placed on host {@code hostName} (status.host), or naming it (spec.hostRef). */
  public List<KvmGuest> guestsOn(String hostName) {
    return guestsOf(hostName);
  }

  /** The guests whose name starts with {@code prefix}. */
  public List<KvmGuest> guestsNamed(String prefix) {
    return client.resources(KvmGuest.class).inNamespace(NS).list().getItems().stream()
        .filter(g -> g.getMetadata().getName().startsWith(prefix))
        .toList();
  }

  public KvmGuest get(String name) {
    return client.resources(KvmGuest.class).inNamespace(NS).withName(name).get();
  }

  public void awaitGone(String name) {
    try {
      await().atMost(WAIT).until(() -> get(name) == null);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "guest "
              + name
              + " was not deleted; threads:\n"
              + threadDumps()
              + "\nit is:\n"
              + client.getKubernetesSerialization().asYaml(get(name))
              + "\noperator log tail:\n"
              + tail(operatorLogs(), 400),
          e);
    }
  }

  public static Condition condition(List<Condition> conditions, String type) {
    return conditions.stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
  }

  public List<Event> events(String involvedName) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> involvedName.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  /** The guests placed on {@code host} (status.host), or naming it while not placed yet. */
  public List<KvmGuest> guestsOf(String host) {
    return client.resources(KvmGuest.class).inNamespace(NS).list().getItems().stream()
        .filter(g -> host.equals(GuestHosts.hostName(g)))
        .toList();
  }
}
