package dev.kvmop.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmop.api.KvmHost;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalApiServerTest {
  static LocalApiServer server;
  static final HttpClient http = HttpClient.newHttpClient();
  static final ObjectMapper mapper = new ObjectMapper();

  @BeforeAll
  static void start() {
    server = LocalApiServer.start(0);
    server.installBundledCrds();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static HttpResponse<String> send(
      String method, String path, String accept, String type, String body) throws Exception {
    var b = HttpRequest.newBuilder(URI.create(server.url() + path));
    if (accept != null) {
      b.header("Accept", accept);
    }
    if (type != null) {
      b.header("Content-Type", type);
    }
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode getJson(String path) throws Exception {
    HttpResponse<String> r = send("GET", path, "application/json", null, null);
    assertThat(r.statusCode()).as(path).isEqualTo(200);
    return mapper.readTree(r.body());
  }

  static List<String> texts(JsonNode array, String field) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(field == null ? n.asText() : n.path(field).asText()));
    return out;
  }

  @Test
  void unknownFieldsArePrunedOnWriteAndNamedInWarnings() throws Exception {
    String path = "/apis/kvmop.dev/v1alpha1/namespaces/default/kvmhosts";
    String body =
        "{\"apiVersion\":\"kvmop.dev/v1alpha1\",\"kind\":\"KvmHost\","
            + "\"metadata\":{\"name\":\"pruned\"},\"spec\":{\"address\":\"10.0.0.5\","
            + "\"credentialsSecretRef\":{\"name\":\"s\"},\"hostKeyPolicy\":\"TrustOnFirstUse\","
            + "\"fieldOfANewerRelease\":true,\"qemu\":{\"binary\":\"/usr/bin/qemu\",\"nested\":1},"
            + "\"addresses\":[{\"mac\":\"52:54:00:00:00:10\",\"ip\":\"10.0.0.10\",\"x\":1}]},"
            + "\"bogusTopLevel\":1}";

    HttpResponse<String> created = send("POST", path, "application/json", "application/json", body);

    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.headers().allValues("Warning"))
        .containsExactlyInAnyOrder(
            "299 - \"unknown field \\\"spec.fieldOfANewerRelease\\\"\"",
            "299 - \"unknown field \\\"spec.qemu.nested\\\"\"",
            "299 - \"unknown field \\\"spec.addresses[0].x\\\"\"",
            "299 - \"unknown field \\\"bogusTopLevel\\\"\"");
    JsonNode stored = getJson(path + "/pruned");
    assertThat(stored.path("spec").has("fieldOfANewerRelease")).isFalse();
    assertThat(stored.path("spec").path("qemu").has("nested")).isFalse();
    assertThat(stored.path("spec").path("qemu").path("binary").asText()).isEqualTo("/usr/bin/qemu");
    assertThat(stored.path("spec").path("addresses").get(0).has("x")).isFalse();
    assertThat(stored.has("bogusTopLevel")).isFalse();
    // and the typed client reads it
    assertThat(server.client().resources(KvmHost.class).withName("pruned").get().getSpec().address)
        .isEqualTo("10.0.0.5");

    HttpResponse<String> patched =
        send(
            "PATCH",
            path + "/pruned",
            "application/json",
            "application/merge-patch+json",
            "{\"spec\":{\"port\":2222,\"later\":\"x\"}}");
    assertThat(patched.statusCode()).isEqualTo(200);
    assertThat(patched.headers().allValues("Warning"))
        .containsExactly("299 - \"unknown field \\\"spec.later\\\"\"");
    assertThat(getJson(path + "/pruned").path("spec").has("later")).isFalse();
  }

  @Test
  void uidsAreNotTheMockCounterFromZero() {
    // The operator's qemu identity is -uuid <metadata.uid>; two processes with an embedded API
    // must not hand out the same uids (the mock's counter starts at 0 in every process).
    var client = server.client();
    List<String> uids = new java.util.ArrayList<>();
    for (String name : List.of("uid-a", "uid-b")) {
      uids.add(
          client
              .configMaps()
              .resource(
                  new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                      .withNewMetadata()
                      .withName(name)
                      .endMetadata()
                      .build())
              .create()
              .getMetadata()
              .getUid());
    }
    assertThat(uids).doesNotHaveDuplicates();
    for (String uid : uids) {
      assertThat(java.util.UUID.fromString(uid).getLeastSignificantBits())
          .as(uid)
          .isGreaterThan(1L << 32);
    }
  }

  @Test
  void coreDiscovery() throws Exception {
    assertThat(getJson("/api?timeout=32s").path("versions").get(0).asText()).isEqualTo("v1");
    JsonNode v1 = getJson("/api/v1");
    assertThat(v1.path("kind").asText()).isEqualTo("APIResourceList");
    assertThat(texts(v1.path("resources"), "name"))
        .contains("namespaces", "secrets", "configmaps", "events");
    for (JsonNode r : v1.path("resources")) {
      if (r.path("name").asText().equals("namespaces")) {
        assertThat(r.path("namespaced").asBoolean()).isFalse();
        assertThat(r.path("kind").asText()).isEqualTo("Namespace");
      }
      if (r.path("name").asText().equals("secrets")) {
        assertThat(r.path("namespaced").asBoolean()).isTrue();
        assertThat(texts(r.path("verbs"), null)).contains("get", "list", "create", "patch");
      }
    }
    assertThat(getJson("/version").path("major").asText()).isEqualTo("1");
  }

  @Test
  void groupDiscoveryListsCrdsWithShortNamesAndCategories() throws Exception {
    JsonNode groups = getJson("/apis");
    assertThat(groups.path("kind").asText()).isEqualTo("APIGroupList");
    assertThat(texts(groups.path("groups"), "name"))
        .contains("kvmop.dev", "events.k8s.io", "coordination.k8s.io", "apiextensions.k8s.io");
    assertThat(getJson("/apis/kvmop.dev").path("preferredVersion").path("groupVersion").asText())
        .isEqualTo("kvmop.dev/v1alpha1");

    JsonNode list = getJson("/apis/kvmop.dev/v1alpha1");
    assertThat(list.path("groupVersion").asText()).isEqualTo("kvmop.dev/v1alpha1");
    JsonNode kh = null;
    for (JsonNode r : list.path("resources")) {
      if (r.path("name").asText().equals("kvmhosts")) {
        kh = r;
      }
    }
    assertThat(kh).isNotNull();
    assertThat(kh.path("kind").asText()).isEqualTo("KvmHost");
    assertThat(kh.path("namespaced").asBoolean()).isTrue();
    assertThat(texts(kh.path("shortNames"), null)).containsExactly("kh");
    assertThat(texts(kh.path("categories"), null)).containsExactly("kvm");
    assertThat(texts(list.path("resources"), "name"))
        .contains("kvmguests", "kvmhosts/status", "kvmguests/status");

    assertThat(send("GET", "/apis/nope.dev/v1", null, null, null).statusCode()).isEqualTo(404);
    assertThat(send("GET", "/openapi/v2", null, null, null).statusCode()).isEqualTo(404);
  }

  @Test
  void aggregatedDiscoveryRequestGetsPlainGroupListWithJsonContentType() throws Exception {
    HttpResponse<String> r =
        send(
            "GET",
            "/apis",
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json",
            null,
            null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(mapper.readTree(r.body()).path("kind").asText()).isEqualTo("APIGroupList");
  }

  @Test
  void openApiV3DeclaresFieldValidationForPatch() throws Exception {
    JsonNode root = getJson("/openapi/v3");
    assertThat(root.path("paths").has("apis/kvmop.dev/v1alpha1")).isTrue();
    assertThat(root.path("paths").has("api/v1")).isTrue();
    JsonNode doc = getJson("/openapi/v3/apis/kvmop.dev/v1alpha1");
    JsonNode patch =
        doc.path("paths")
            .path("/apis/kvmop.dev/v1alpha1/namespaces/{namespace}/kvmhosts/{name}")
            .path("patch");
    assertThat(patch.path("x-kubernetes-group-version-kind").path("kind").asText())
        .isEqualTo("KvmHost");
    assertThat(patch.path("parameters").get(0).path("name").asText()).isEqualTo("fieldValidation");
  }

  @Test
  void installedCrdEnablesStatusSubresource() {
    var client = server.client();
    assertThat(client.apiextensions().v1().customResourceDefinitions().list().getItems())
        .extracting(c -> c.getMetadata().getName())
        .contains("kvmhosts.kvmop.dev", "kvmguests.kvmop.dev");
    KvmHost h = new KvmHost();
    h.getMetadata().setName("status-sub");
    h.setSpec(new dev.kvmop.api.KvmHostSpec());
    h.getSpec().address = "10.1.1.1";
    h.setStatus(new dev.kvmop.api.KvmHostStatus());
    h.getStatus().orphanedProcesses = 3;
    KvmHost created = client.resource(h).create();
    // with the CRD known, status is a subresource: stripped on create
    assertThat(created.getStatus()).isNull();
  }

  @Test
  void applyCreatesNamespaceAndIsIdempotent(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("m.yaml");
    Files.writeString(f, manifest("10.0.0.5"));
    server.apply(f);
    var client = server.client();
    assertThat(client.namespaces().withName("lab").get()).isNotNull();
    KvmHost h = client.resources(KvmHost.class).inNamespace("lab").withName("h1").get();
    assertThat(h.getSpec().address).isEqualTo("10.0.0.5");
    assertThat(h.getStatus()).isNull(); // status in the manifest is ignored
    Secret s = client.secrets().inNamespace("lab").withName("h1-ssh").get();
    assertThat(new String(Base64.getDecoder().decode(s.getData().get("key")))).isEqualTo("abc");
    String rv = h.getMetadata().getResourceVersion();

    server.apply(f); // unchanged: same generation, no error
    KvmHost again = client.resources(KvmHost.class).inNamespace("lab").withName("h1").get();
    assertThat(again.getMetadata().getGeneration()).isEqualTo(h.getMetadata().getGeneration());
    assertThat(again.getMetadata().getUid()).isEqualTo(h.getMetadata().getUid());

    Files.writeString(f, manifest("10.0.0.6"));
    server.apply(dir); // directory form
    KvmHost updated = client.resources(KvmHost.class).inNamespace("lab").withName("h1").get();
    assertThat(updated.getSpec().address).isEqualTo("10.0.0.6");
    assertThat(updated.getMetadata().getGeneration())
        .isEqualTo(h.getMetadata().getGeneration() + 1);
    assertThat(updated.getMetadata().getResourceVersion()).isNotEqualTo(rv);
  }

  private static String manifest(String address) {
    return """
        apiVersion: kvmop.dev/v1alpha1
        kind: KvmHost
        metadata:
          name: h1
          namespace: lab
        spec:
          address: %s
          credentialsSecretRef:
            name: h1-ssh
        status:
          orphanedProcesses: 7
        ---
        apiVersion: v1
        kind: Secret
        metadata:
          name: h1-ssh
          namespace: lab
        stringData:
          key: abc
        """
        .formatted(address);
  }

  @Test
  void tableForCustomResourcesUsesPrinterColumns() throws Exception {
    var client = server.client();
    KvmHost h = new KvmHost();
    h.getMetadata().setName("tbl");
    h.setSpec(new dev.kvmop.api.KvmHostSpec());
    h.getSpec().address = "192.168.7.7";
    client.resource(h).create();
    h = client.resources(KvmHost.class).withName("tbl").get();
    h.setStatus(new dev.kvmop.api.KvmHostStatus());
    h.getStatus()
        .conditions
        .add(
            new io.fabric8.kubernetes.api.model.ConditionBuilder()
                .withType("Ready")
                .withStatus("True")
                .withReason("Ok")
                .withMessage("ok")
                .withLastTransitionTime("2026-01-01T00:00:00Z")
                .build());
    client.resource(h).updateStatus();

    HttpResponse<String> r =
        send(
            "GET",
            "/apis/kvmop.dev/v1alpha1/namespaces/default/kvmhosts?limit=500",
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
            null,
            null);
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode table = mapper.readTree(r.body());
    assertThat(table.path("kind").asText()).isEqualTo("Table");
    List<String> cols = texts(table.path("columnDefinitions"), "name");
    assertThat(cols).startsWith("Name").contains("Address", "Ready", "Phase", "Age");
    JsonNode row = null;
    for (JsonNode candidate : table.path("rows")) {
      if (candidate.path("cells").get(0).asText().equals("tbl")) {
        row = candidate;
      }
    }
    assertThat(row).isNotNull();
    assertThat(row.path("cells").get(cols.indexOf("Address")).asText()).isEqualTo("192.168.7.7");
    assertThat(row.path("cells").get(cols.indexOf("Ready")).asText()).isEqualTo("True");
    assertThat(row.path("cells").get(cols.indexOf("Phase")).isNull()).isTrue();
    assertThat(row.path("cells").get(cols.indexOf("Age")).asText()).matches("\\d+s");
    assertThat(row.path("object").path("kind").asText()).isEqualTo("PartialObjectMetadata");

    // a single object, and a built-in kind (NAME, AGE)
    JsonNode one =
        mapper.readTree(
            send(
                    "GET",
                    "/apis/kvmop.dev/v1alpha1/namespaces/default/kvmhosts/tbl?includeObject=Object",
                    "application/json;as=Table;v=v1;g=meta.k8s.io",
                    null,
                    null)
                .body());
    assertThat(one.path("rows")).hasSize(1);
    assertThat(one.path("rows").get(0).path("object").path("kind").asText()).isEqualTo("KvmHost");
    JsonNode ns =
        mapper.readTree(
            send(
                    "GET",
                    "/api/v1/namespaces",
                    "application/json;as=Table;v=v1;g=meta.k8s.io",
                    null,
                    null)
                .body());
    assertThat(texts(ns.path("columnDefinitions"), "name")).containsExactly("Name", "Age");
    // a missing object stays a 404
    assertThat(
            send(
                    "GET",
                    "/apis/kvmop.dev/v1alpha1/namespaces/default/kvmhosts/none",
                    "application/json;as=Table;v=v1;g=meta.k8s.io",
                    null,
                    null)
                .statusCode())
        .isEqualTo(404);
  }

  @Test
  void strategicMergePatchIsAppliedAsMergePatch() throws Exception {
    var client = server.client();
    client
        .resource(
            new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata()
                .withName("smp")
                .endMetadata()
                .addToData("a", "1")
                .addToData("b", "2")
                .build())
        .create();
    HttpResponse<String> r =
        send(
            "PATCH",
            "/api/v1/namespaces/default/configmaps/smp?fieldManager=kubectl",
            "application/json",
            "application/strategic-merge-patch+json",
            "{\"$setElementOrder/x\":[],\"data\":{\"a\":\"9\",\"b\":null}}");
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 202);
    var cm = client.configMaps().withName("smp").get();
    assertThat(cm.getData()).containsEntry("a", "9").doesNotContainKey("b");
    assertThat(cm.getData().keySet()).noneMatch(k -> k.startsWith("$"));
  }

  @Test
  void httpWatchReportsNewerObjectsOrIdlesThenEnds() throws Exception {
    var client = server.client();
    JsonNode list = getJson("/api/v1/namespaces/default/configmaps");
    String rv = list.path("metadata").path("resourceVersion").asText();
    client
        .resource(
            new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata()
                .withName("watched")
                .endMetadata()
                .build())
        .create();
    HttpResponse<String> r =
        send(
            "GET",
            "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=" + rv,
            "application/json",
            null,
            null);
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode event = mapper.readTree(r.body().lines().findFirst().orElseThrow());
    assertThat(event.path("type").asText()).isEqualTo("MODIFIED");
    assertThat(event.path("object").path("metadata").path("name").asText()).isEqualTo("watched");

    String now =
        getJson("/api/v1/namespaces/default/configmaps")
            .path("metadata")
            .path("resourceVersion")
            .asText();
    long t0 = System.nanoTime();
    HttpResponse<String> idle =
        send(
            "GET",
            "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=" + now,
            "application/json",
            null,
            null);
    assertThat(idle.body()).isBlank();
    assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(PollingWatch.IDLE.toNanos());
  }

  @Test
  void kubeconfigPointsAtServer(@TempDir Path dir) throws IOException {
    Path kc = dir.resolve("sub/kubeconfig");
    server.writeKubeconfig(kc);
    var config = io.fabric8.kubernetes.client.Config.fromKubeconfig(Files.readString(kc));
    assertThat(config.getMasterUrl()).startsWith(server.url());
    assertThat(config.getNamespace()).isEqualTo("default");
    assertThat(config.getCurrentContext().getName()).isEqualTo("kvmop-local");
  }

  @Test
  void bundledCrdsMatchCrdsDirectory() throws IOException {
    try (var files = Files.list(Path.of("crds"))) {
      assertThat(
              files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yml")).toList())
          .containsExactlyInAnyOrderElementsOf(LocalApiServer.BUNDLED_CRDS);
    }
  }

  /** kubectl describe finds an object's Events by involvedObject.* field selectors. */
  @Test
  void listsAreFilteredByNestedFieldSelectors() {
    var client = server.client();
    for (String name : List.of("web", "db")) {
      client
          .v1()
          .events()
          .inNamespace("fs")
          .resource(
              new io.fabric8.kubernetes.api.model.EventBuilder()
                  .withNewMetadata()
                  .withName(name + ".1")
                  .endMetadata()
                  .withNewInvolvedObject()
                  .withKind("KvmGuest")
                  .withName(name)
                  .withUid("uid-" + name)
                  .endInvolvedObject()
                  .withReason("Launched")
                  .build())
          .create();
    }
    var events = client.v1().events().inNamespace("fs");
    assertThat(
            events
                .withField("involvedObject.name", "web")
                .withField("involvedObject.uid", "uid-web")
                .list()
                .getItems())
        .extracting(e -> e.getMetadata().getName())
        .containsExactly("web.1");
    assertThat(events.withoutField("involvedObject.name", "web").list().getItems())
        .extracting(e -> e.getMetadata().getName())
        .containsExactly("db.1");
    assertThat(events.withField("involvedObject.kind", "KvmHost").list().getItems()).isEmpty();
  }
}
