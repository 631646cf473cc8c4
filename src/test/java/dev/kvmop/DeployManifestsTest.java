package dev.kvmop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/ renders with {@code kubectl kustomize}, holds every kind of {@link #KINDS}, its
 * PrometheusRule passes {@code promtool check rules}, and rules and dashboard only use metric names
 * the operator exports. Both tools are required (Makefile deps / .ci/run install them).
 */
class DeployManifestsTest {
  static final Set<String> KINDS =
      Set.of(
          "Namespace",
          "CustomResourceDefinition",
          "ServiceAccount",
          "ClusterRole",
          "ClusterRoleBinding",
          "Role",
          "RoleBinding",
          "Deployment",
          "Service",
          "ServiceMonitor",
          "PrometheusRule",
          "ConfigMap");

  /**
   * The kvmop_* metric families the operator exports (docs/operations.md), as scraped: histograms
   * by their _bucket/_count/_sum series.
   */
  static final Set<String> KVMOP_FAMILIES =
      Set.of(
          "kvmop_guests",
          "kvmop_guest_start_seconds",
          "kvmop_guest_restarts_total",
          "kvmop_host_up",
          "kvmop_host_pool_addresses",
          "kvmop_host_allocated",
          "kvmop_guests_unschedulable",
          "kvmop_ssh_command_seconds",
          "kvmop_ssh_connects_total",
          "kvmop_probe_seconds");

  private final KubernetesSerialization serialization = new KubernetesSerialization();
  private final ObjectMapper json = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void kustomizeRendersEveryExpectedKind() throws Exception {
    List<GenericKubernetesResource> objects = render();
    Set<String> kinds = new TreeSet<>();
    objects.forEach(o -> kinds.add(o.getKind()));
    assertThat(kinds).containsAll(KINDS);
    GenericKubernetesResource dashboard = one(objects, "ConfigMap");
    assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    assertThat(dashboard.getMetadata().getNamespace()).isEqualTo("kvmop-system");
  }

  /** deploy/ runs the image of this version, under the name {@code make image} gives it. */
  @Test
  void deploymentRunsTheImageOfTheProjectVersion() throws Exception {
    String version = System.getProperty("project.version");
    assertThat(version).as("project.version (set by the surefire configuration)").isNotBlank();
    GenericKubernetesResource deployment = one(render(), "Deployment");
    JsonNode containers =
        json.valueToTree(deployment.getAdditionalProperties().get("spec"))
            .path("template")
            .path("spec")
            .path("containers");
    assertThat(containers).hasSize(1);
    String image = containers.get(0).path("image").asText();
    assertThat(image).isEqualTo("ghcr.io/kvmop/kvm-operator:" + version);
    Result tag = exec(List.of("scripts/image.sh", "tag"));
    assertThat(tag.code()).as(tag.output()).isZero();
    assertThat(tag.output().strip()).isEqualTo(image);
  }

  @Test
  void prometheusRulesPassPromtool() throws Exception {
    GenericKubernetesResource rule = one(render(), "PrometheusRule");
    Object groups = ((Map<?, ?>) rule.getAdditionalProperties().get("spec")).get("groups");
    Path file = tmp.resolve("rules.yaml");
    Files.writeString(file, serialization.asYaml(Map.of("groups", groups)));
    Result r = exec(List.of("promtool", "check", "rules", file.toString()));
    assertThat(r.code()).as("promtool check rules:\n" + r.output()).isZero();
    String text = serialization.asYaml(groups);
    for (String alert :
        List.of(
            "KvmHostDown",
            "KvmGuestCrashLooping",
            "KvmAddressPoolNearlyExhausted",
            "KvmOperatorReconcileErrors",
            "KvmGuestsUnschedulable")) {
      assertThat(text).contains("alert: \"" + alert + "\"");
    }
    JsonNode tree = json.valueToTree(groups);
    for (JsonNode g : tree) {
      for (JsonNode a : g.path("rules")) {
        assertThat(a.path("for").asText()).as(a.path("alert") + " for").isNotEmpty();
        assertThat(a.path("labels").path("severity").asText()).isNotEmpty();
        assertThat(a.path("annotations").path("summary").asText()).isNotEmpty();
        assertThat(a.path("annotations").path("description").asText()).isNotEmpty();
      }
    }
  }

  @Test
  void rulesAndDashboardUseOnlyExportedMetricNames() throws Exception {
    String all =
        Files.readString(Path.of("deploy/prometheusrule.yaml"))
            + Files.readString(Path.of("deploy/dashboards/kvm-operator.json"));
    JsonNode dashboard = json.readTree(Path.of("deploy/dashboards/kvm-operator.json").toFile());
    assertThat(dashboard.path("panels")).hasSizeGreaterThanOrEqualTo(6);
    Matcher m = Pattern.compile("kvmop_[a-z_]+").matcher(all);
    Set<String> used = new TreeSet<>();
    while (m.find()) {
      used.add(m.group().replaceAll("_(bucket|count|sum)$", ""));
    }
    assertThat(KVMOP_FAMILIES).containsAll(used);
    assertThat(used)
        .contains(
            "kvmop_guest_start_seconds",
            "kvmop_ssh_command_seconds",
            "kvmop_host_allocated",
            "kvmop_guests_unschedulable");
  }

  private static GenericKubernetesResource one(List<GenericKubernetesResource> all, String kind) {
    return all.stream().filter(o -> o.getKind().equals(kind)).findFirst().orElseThrow();
  }

  private List<GenericKubernetesResource> render() throws Exception {
    Result r = exec(List.of("kubectl", "kustomize", "deploy/"));
    assertThat(r.code()).as("kubectl kustomize deploy/:\n" + r.output()).isZero();
    List<GenericKubernetesResource> out = new ArrayList<>();
    for (String doc : r.output().split("(?m)^---\\s*$")) {
      if (!doc.isBlank()) {
        out.add(serialization.unmarshal(doc, GenericKubernetesResource.class));
      }
    }
    return out;
  }

  private record Result(int code, String output) {}

  private static Result exec(List<String> cmd) throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError(
          cmd.get(0)
              + " not found: install it (Debian: "
              + (cmd.get(0).equals("promtool") ? "prometheus" : "kubernetes-client")
              + "; `make deps` as root does)",
          e);
    }
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), output);
  }
}
