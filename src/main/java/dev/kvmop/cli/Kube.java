package dev.kvmop.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/** The Kubernetes client of the command line: kubeconfig as kubectl finds it. */
final class Kube {
  /** Tells the CLI's requests apart from the operator's in API audit logs. */
  static final String USER_AGENT = "kvmop-cli";

  private Kube() {}

  /** KUBECONFIG, else ~/.kube/config, else the in-cluster service account. */
  static KubernetesClient client() {
    Config config = Config.autoConfigure(null);
    config.setUserAgent(USER_AGENT);
    // One attempt, as kubectl makes: a missing API server is an error at once, not after retries.
    config.setRequestRetryBackoffLimit(0);
    config.setConnectionTimeout(10_000);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** {@code -n} if given, else the kubeconfig context's namespace, else "default". */
  static String namespace(KubernetesClient client, String given) {
    if (given != null && !given.isBlank()) {
      return given;
    }
    String ns = client.getConfiguration().getNamespace();
    return ns == null || ns.isBlank() ? "default" : ns;
  }
}
