package dev.kvmop.testing;

import static org.awaitility.Awaitility.await;

import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;

/** Helpers for tests against the fabric8 CRUD API (it stands in for a real API server). */
public final class CrudApi {
  private CrudApi() {}

  /** Loads the committed CRDs so the CRUD API knows scope and the status subresource. */
  public static void installCrds(KubernetesClient client) throws IOException {
    try (var files = Files.list(Path.of("crds"))) {
      for (Path p : files.filter(f -> f.toString().endsWith(".yml")).sorted().toList()) {
        try (InputStream in = Files.newInputStream(p)) {
          client
              .resource(
                  client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class))
              .create();
        }
      }
    }
  }

  /**
   * An operator on the CRUD API: JSON patches (the CRUD API has no server-side apply), and the
   * test's client left open when it stops.
   */
  public static io.javaoperatorsdk.operator.Operator operator(KubernetesClient client) {
    return new io.javaoperatorsdk.operator.Operator(
        o ->
            o.withKubernetesClient(client)
                .withUseSSAToPatchPrimaryResource(false)
                .withCloseClientOnStop(false));
  }

  /** Creates a Secret from plain {@code stringData} (the CRUD API does not fold it into data). */
  public static void secret(KubernetesClient client, String name, Map<String, String> stringData) {
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .addToLabels(dev.kvmop.api.Labels.SSH_CREDENTIALS, "true")
                .endMetadata()
                .withStringData(stringData)
                .build())
        .create();
  }

  /** Waits up to {@code atMost} for the host to report {@code phase}, and returns it. */
  public static KvmHost awaitHost(
      KubernetesClient client, String name, HostPhase phase, Duration atMost) {
    return await()
        .atMost(atMost)
        .until(
            () -> client.resources(KvmHost.class).withName(name).get(),
            h -> h != null && h.getStatus() != null && h.getStatus().phase == phase);
  }

  /** Waits up to {@code atMost} for the guest to have a status that passes {@code until}. */
  public static KvmGuest awaitGuest(
      KubernetesClient client, String name, Predicate<KvmGuest> until, Duration atMost) {
    return await()
        .atMost(atMost)
        .until(
            () -> client.resources(KvmGuest.class).withName(name).get(),
            g -> g != null && g.getStatus() != null && until.test(g));
  }
}
