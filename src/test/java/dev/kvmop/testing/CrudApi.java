package dev.kvmop.testing;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

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
}
